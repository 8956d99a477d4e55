/// Sign-in sessions of users and administrators. Storage implements it; a Domain test may use an in-memory one.
public protocol SessionRecords {
    func session(id: Int64) throws -> Session?
    /// Inserts and answers the record with its new id.
    func insert(_ record: Session) throws -> Session
    func update(_ record: Session) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteSession(id: Int64) throws -> Bool

    func session(tokenId: String) throws -> Session?
    /// The sessions, live or not, of one user or administrator.
    func sessions(kind: Session.Kind, subjectId: Int64) throws -> [Session]
    func sessions(kind: Session.Kind, subjectIds: [Int64]) throws -> [Session]
    func deleteSessions(kind: Session.Kind, subjectId: Int64) throws
}

/// Call-log lines and users' presence. Storage implements it; a Domain test may use an in-memory one.
public protocol TelephonyRecords {
    func callLogEntry(id: Int64) throws -> CallLogEntry?
    /// Inserts and answers the record with its new id.
    func insert(_ record: CallLogEntry) throws -> CallLogEntry
    func update(_ record: CallLogEntry) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteCallLogEntry(id: Int64) throws -> Bool

    func userPresence(id: Int64) throws -> UserPresence?
    /// Inserts and answers the record with its new id.
    func insert(_ record: UserPresence) throws -> UserPresence
    func update(_ record: UserPresence) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteUserPresence(id: Int64) throws -> Bool

    /// A page of a user's call log, newest first, of one kind when given, searched by number and device.
    func callLog(userId: Int64, kind: CallLogKind?, _ page: PageRequest) throws -> Page<CallLogEntry>
    /// A domain's call-log lines, newest first.
    func callLogEntries(domainId: Int64) throws -> [CallLogEntry]
    func userPresence(userId: Int64) throws -> UserPresence?
    func userPresences(domainId: Int64) throws -> [UserPresence]
}

/// Application authorizations and licences (admin guide 7). Storage implements it; a Domain test may use an in-memory one.
public protocol RightsRecords {
    func authorization(id: Int64) throws -> Authorization?
    /// Inserts and answers the record with its new id.
    func insert(_ record: Authorization) throws -> Authorization
    func update(_ record: Authorization) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteAuthorization(id: Int64) throws -> Bool

    func licence(id: Int64) throws -> Licence?
    /// Inserts and answers the record with its new id.
    func insert(_ record: Licence) throws -> Licence
    func update(_ record: Licence) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteLicence(id: Int64) throws -> Bool
}

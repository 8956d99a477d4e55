/// User imports (admin guide 7.2). Storage implements it; a Domain test may use an in-memory one.
public protocol UserImportRecords {
    func userImport(id: Int64) throws -> UserImport?
    /// Inserts and answers the record with its new id.
    func insert(_ record: UserImport) throws -> UserImport
    func update(_ record: UserImport) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteUserImport(id: Int64) throws -> Bool

    /// A domain's imports by name.
    func userImports(domainId: Int64) throws -> [UserImport]
}

import Domain
import GRDB

extension UserImport: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "user_import"
    public enum Columns {
        static let id = Column("id")
        static let domainId = Column("domainId")
        static let name = Column("name")
    }
}

extension GRDBTransaction: UserImportRecords {
    public func userImport(id: Int64) throws -> UserImport? { try record(id: id) }
    public func insert(_ record: UserImport) throws -> UserImport { try inserted(record) }
    public func update(_ record: UserImport) throws { try updated(record) }
    public func deleteUserImport(id: Int64) throws -> Bool { try deleted(UserImport.self, id: id) }

    public func userImports(domainId: Int64) throws -> [UserImport] {
        try all(UserImport.filter(UserImport.Columns.domainId == domainId).order(UserImport.Columns.name.caseless, UserImport.Columns.id))
    }
}

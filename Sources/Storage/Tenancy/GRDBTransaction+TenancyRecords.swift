import Domain
import GRDB

extension Company: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "company"
}

extension CompanyDomain: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "domain"
}

extension AdminAccount: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "admin_account"
}

extension AuditEntry: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "audit_log"
}

extension GRDBTransaction: TenancyRecords {
    public func company(id: Int64) throws -> Company? { try record(id: id) }
    public func insert(_ record: Company) throws -> Company { try inserted(record) }
    public func update(_ record: Company) throws { try updated(record) }
    public func deleteCompany(id: Int64) throws -> Bool { try deleted(Company.self, id: id) }

    public func domain(id: Int64) throws -> CompanyDomain? { try record(id: id) }
    public func insert(_ record: CompanyDomain) throws -> CompanyDomain { try inserted(record) }
    public func update(_ record: CompanyDomain) throws { try updated(record) }
    public func deleteDomain(id: Int64) throws -> Bool { try deleted(CompanyDomain.self, id: id) }

    public func adminAccount(id: Int64) throws -> AdminAccount? { try record(id: id) }
    public func insert(_ record: AdminAccount) throws -> AdminAccount { try inserted(record) }
    public func update(_ record: AdminAccount) throws { try updated(record) }
    public func deleteAdminAccount(id: Int64) throws -> Bool { try deleted(AdminAccount.self, id: id) }

    public func auditEntry(id: Int64) throws -> AuditEntry? { try record(id: id) }
    public func insert(_ record: AuditEntry) throws -> AuditEntry { try inserted(record) }
    public func update(_ record: AuditEntry) throws { try updated(record) }
    public func deleteAuditEntry(id: Int64) throws -> Bool { try deleted(AuditEntry.self, id: id) }
}

import Domain
import GRDB

extension Company: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "company"
    public enum Columns {
        static let id = Column("id")
        static let name = Column("name")
    }
}

extension CompanyDomain: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "domain"
    public enum Columns {
        static let id = Column("id")
        static let companyId = Column("companyId")
        static let name = Column("name")
    }
}

extension AdminAccount: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "admin_account"
    public enum Columns {
        static let id = Column("id")
        static let username = Column("username")
        static let superUser = Column("superUser")
    }
}

extension AuditEntry: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "audit_log"
    public enum Columns {
        static let id = Column("id")
        static let companyId = Column("companyId")
        static let kind = Column("kind")
        static let username = Column("username")
        static let time = Column("time")
    }
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

    public func companies(named name: String) throws -> [Company] {
        try all(Company.filter(Company.Columns.name == name).order(Company.Columns.id))
    }

    public func companies(ids: [Int64]?, _ page: PageRequest) throws -> Page<Company> {
        var request = Company.all()
        if let ids { request = request.filter(Company.Columns.id.among(ids)) }
        return try self.page(request.order(Company.Columns.name.caseless, Company.Columns.id), page, searching: [Company.Columns.name])
    }

    public func allDomains() throws -> [CompanyDomain] { try all(CompanyDomain.order(CompanyDomain.Columns.id)) }

    public func domains(ids: [Int64]) throws -> [CompanyDomain] {
        try all(CompanyDomain.filter(CompanyDomain.Columns.id.among(ids)).order(CompanyDomain.Columns.id))
    }

    public func domains(companyIds: [Int64]?, named name: String?) throws -> [CompanyDomain] {
        var request = CompanyDomain.all()
        if let companyIds { request = request.filter(CompanyDomain.Columns.companyId.among(companyIds)) }
        if let name { request = request.filter(CompanyDomain.Columns.name == name) }
        return try all(request.order(CompanyDomain.Columns.id))
    }

    public func domains(companyIds: [Int64]?, _ page: PageRequest) throws -> Page<CompanyDomain> {
        typealias Columns = CompanyDomain.Columns
        var request = CompanyDomain.all()
        if let companyIds { request = request.filter(Columns.companyId.among(companyIds)) }
        return try self.page(request.order(Columns.name.caseless, Columns.id), page, searching: [Columns.name])
    }

    public func adminAccount(named username: String) throws -> AdminAccount? {
        try first(AdminAccount.filter(AdminAccount.Columns.username == username))
    }

    public func adminAccountCount() throws -> Int { try translate { try AdminAccount.fetchCount(db) } }

    public func allAdminAccounts() throws -> [AdminAccount] { try all(AdminAccount.order(AdminAccount.Columns.id)) }

    public func superUsers() throws -> [AdminAccount] {
        try all(AdminAccount.filter(AdminAccount.Columns.superUser == true).order(AdminAccount.Columns.id))
    }

    public func adminAccounts(_ page: PageRequest) throws -> Page<AdminAccount> {
        try self.page(AdminAccount.order(AdminAccount.Columns.username.caseless), page, searching: [AdminAccount.Columns.username])
    }

    public func auditEntries(companyIds: [Int64]?, kind: AuditEntry.Kind?, _ page: PageRequest) throws -> Page<AuditEntry> {
        typealias Columns = AuditEntry.Columns
        var request = AuditEntry.all()
        if let companyIds { request = request.filter(Columns.companyId.among(companyIds)) }
        if let kind { request = request.filter(Columns.kind == kind.rawValue) }
        return try self.page(request.order(Columns.time.collating(.nocase).desc, Columns.id.desc), page, searching: [Columns.username])
    }
}

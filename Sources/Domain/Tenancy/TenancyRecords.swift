/// Companies, their domains, administrator accounts and the audit trail, as the tenancy and administration rules need them. Storage implements it; a Domain test may use an in-memory one.
public protocol TenancyRecords {
    func company(id: Int64) throws -> Company?
    /// Inserts and answers the record with its new id.
    func insert(_ record: Company) throws -> Company
    func update(_ record: Company) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteCompany(id: Int64) throws -> Bool

    func domain(id: Int64) throws -> CompanyDomain?
    /// Inserts and answers the record with its new id.
    func insert(_ record: CompanyDomain) throws -> CompanyDomain
    func update(_ record: CompanyDomain) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteDomain(id: Int64) throws -> Bool

    func adminAccount(id: Int64) throws -> AdminAccount?
    /// Inserts and answers the record with its new id.
    func insert(_ record: AdminAccount) throws -> AdminAccount
    func update(_ record: AdminAccount) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteAdminAccount(id: Int64) throws -> Bool

    func auditEntry(id: Int64) throws -> AuditEntry?
    /// Inserts and answers the record with its new id.
    func insert(_ record: AuditEntry) throws -> AuditEntry
    func update(_ record: AuditEntry) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteAuditEntry(id: Int64) throws -> Bool

    func companies(named name: String) throws -> [Company]
    /// A page of companies by name, searched by name; only those with these ids when given.
    func companies(ids: [Int64]?, _ page: PageRequest) throws -> Page<Company>
    func allDomains() throws -> [CompanyDomain]
    func domains(ids: [Int64]) throws -> [CompanyDomain]
    /// The domains of these companies (all when nil) with this name (any when nil).
    func domains(companyIds: [Int64]?, named name: String?) throws -> [CompanyDomain]
    /// A page of domains by name, searched by name; only those of these companies when given.
    func domains(companyIds: [Int64]?, _ page: PageRequest) throws -> Page<CompanyDomain>
    func adminAccount(named username: String) throws -> AdminAccount?
    func adminAccountCount() throws -> Int
    func allAdminAccounts() throws -> [AdminAccount]
    func superUsers() throws -> [AdminAccount]
    /// A page of administrator accounts by user name, searched by user name.
    func adminAccounts(_ page: PageRequest) throws -> Page<AdminAccount>
    /// A page of the audit trail, newest first, searched by user name; only these companies' lines when given.
    func auditEntries(companyIds: [Int64]?, kind: AuditEntry.Kind?, _ page: PageRequest) throws -> Page<AuditEntry>
}

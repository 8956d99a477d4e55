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
}

import Domain

// Filters and orders as in Storage's GRDBTransaction+TenancyRecords.swift and +SessionRecords.swift; names compare
// with their column's collation (company, domain and administrator names are NOCASE).

extension InMemoryTransaction: TenancyRecords {
    func company(id: Int64) throws -> Company? { row(id: id) }
    func insert(_ record: Company) throws -> Company { try inserted(record) }
    func update(_ record: Company) throws { try updated(record) }
    func deleteCompany(id: Int64) throws -> Bool { try deleted(Company.self, id: id) }

    func domain(id: Int64) throws -> CompanyDomain? { row(id: id) }
    func insert(_ record: CompanyDomain) throws -> CompanyDomain { try inserted(record) }
    func update(_ record: CompanyDomain) throws { try updated(record) }
    func deleteDomain(id: Int64) throws -> Bool { try deleted(CompanyDomain.self, id: id) }

    func adminAccount(id: Int64) throws -> AdminAccount? { row(id: id) }
    func insert(_ record: AdminAccount) throws -> AdminAccount { try inserted(record) }
    func update(_ record: AdminAccount) throws { try updated(record) }
    func deleteAdminAccount(id: Int64) throws -> Bool { try deleted(AdminAccount.self, id: id) }

    func auditEntry(id: Int64) throws -> AuditEntry? { row(id: id) }
    func insert(_ record: AuditEntry) throws -> AuditEntry { try inserted(record) }
    func update(_ record: AuditEntry) throws { try updated(record) }
    func deleteAuditEntry(id: Int64) throws -> Bool { try deleted(AuditEntry.self, id: id) }

    func companies(named name: String) throws -> [Company] {
        rows(Company.self).filter { SQLiteText.equalNoCase($0.name, name) }
    }

    func companies(ids: [Int64]?, _ page: PageRequest) throws -> Page<Company> {
        let companies = rows(Company.self).filter { ids?.contains($0.id!) ?? true }
        return self.page(companies.ordered(by: [.caseless { $0.name }, .id]), page, searching: [{ $0.name }])
    }

    func allDomains() throws -> [CompanyDomain] { rows() }

    func domains(ids: [Int64]) throws -> [CompanyDomain] {
        rows(CompanyDomain.self).filter { ids.contains($0.id!) }
    }

    func domains(companyIds: [Int64]?, named name: String?) throws -> [CompanyDomain] {
        rows(CompanyDomain.self).filter { domain in
            (companyIds?.contains(domain.companyId) ?? true) && (name.map { SQLiteText.equalNoCase(domain.name, $0) } ?? true)
        }
    }

    func domains(companyIds: [Int64]?, _ page: PageRequest) throws -> Page<CompanyDomain> {
        let domains = rows(CompanyDomain.self).filter { companyIds?.contains($0.companyId) ?? true }
        return self.page(domains.ordered(by: [.caseless { $0.name }, .id]), page, searching: [{ $0.name }])
    }

    func adminAccount(named username: String) throws -> AdminAccount? {
        rows(AdminAccount.self).first { SQLiteText.equalNoCase($0.username, username) }
    }

    func adminAccountCount() throws -> Int { rows(AdminAccount.self).count }

    func allAdminAccounts() throws -> [AdminAccount] { rows() }

    func superUsers() throws -> [AdminAccount] { rows(AdminAccount.self).filter(\.superUser) }

    func adminAccounts(_ page: PageRequest) throws -> Page<AdminAccount> {
        self.page(rows(AdminAccount.self).ordered(by: [.caseless { $0.username }]), page, searching: [{ $0.username }])
    }

    func auditEntries(companyIds: [Int64]?, kind: AuditEntry.Kind?, _ page: PageRequest) throws -> Page<AuditEntry> {
        let entries = rows(AuditEntry.self).filter { entry in
            // `companyId IN (…)`: a NULL company is in no list.
            (companyIds.map { ids in entry.companyId.map(ids.contains) ?? false } ?? true) && (kind.map { entry.kind == $0 } ?? true)
        }
        return self.page(entries.ordered(by: [.newestFirst { $0.time }, .idDescending]), page, searching: [{ $0.username }])
    }
}

extension InMemoryTransaction: SessionRecords {
    func session(id: Int64) throws -> Session? { row(id: id) }
    func insert(_ record: Session) throws -> Session { try inserted(record) }
    func update(_ record: Session) throws { try updated(record) }
    func deleteSession(id: Int64) throws -> Bool { try deleted(Session.self, id: id) }

    func session(tokenId: String) throws -> Session? {
        rows(Session.self).first { SQLiteText.equal($0.tokenId, tokenId) }
    }

    func sessions(kind: Session.Kind, subjectId: Int64) throws -> [Session] {
        rows(Session.self).filter { $0.kind == kind && $0.subjectId == subjectId }
    }

    func sessions(kind: Session.Kind, subjectIds: [Int64]) throws -> [Session] {
        rows(Session.self).filter { $0.kind == kind && subjectIds.contains($0.subjectId) }
    }

    func deleteSessions(kind: Session.Kind, subjectId: Int64) throws {
        try deleteAll(Session.self) { $0.kind == kind && $0.subjectId == subjectId }
    }
}

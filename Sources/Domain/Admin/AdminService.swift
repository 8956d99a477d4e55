import Foundation

/// Administration of tenants, users, rights and configuration.
///
/// Every method checks the admin's scope (boot mode, super-user, listed companies) here, not in
/// handlers, and runs as one transaction. An object of a company the admin does not see answers
/// `not_found`, exactly like an object that does not exist, so ids of other companies leak nothing.
public struct AdminService: Sendable {
    public let store: any TenantStore
    public let hasher: any PasswordHasher

    public init(store: any TenantStore, hasher: any PasswordHasher) {
        self.store = store
        self.hasher = hasher
    }
}

extension StoreTransaction {
    /// The company `id` if it exists and the admin may see it, or `not_found`.
    func visibleCompany(_ id: Int64, _ admin: AdminPrincipal) throws -> Company {
        guard admin.canSee(companyId: id), let company = try company(id: id) else { throw DomainError.notFound("Company") }
        return company
    }

    /// Revokes the live sessions of one user or administrator, but for `tokenId` (the caller's own, when it keeps working).
    func revokeSessions(_ kind: Session.Kind, subjectId: Int64, except tokenId: String? = nil) throws {
        let now = Date()
        let sessions = try sessions(kind: kind, subjectId: subjectId)
        for var session in sessions where session.revokedAt == nil && session.tokenId != tokenId {
            session.revokedAt = now
            try update(session)
        }
    }

    /// Removes authorizations and parameter overrides whose object or grantee no longer exists.
    /// Called after every delete, so no right outlives what it names.
    func pruneDangling(companyId: Int64) throws {
        func exists(_ type: GranteeType, _ id: Int64) throws -> Bool {
            switch type {
            case .user: try user(id: id) != nil
            case .group: try group(id: id) != nil
            case .intercomGroup: try intercomGroup(id: id) != nil
            case .phoneQueue: try phoneQueue(id: id) != nil
            }
        }
        for authorization in try authorizations(companyId: companyId) {
            var alive = try exists(authorization.granteeType, authorization.granteeId)
            if alive, let objectId = authorization.objectId {
                switch authorization.objectType {
                case .application: break
                case .directory: alive = try directory(id: objectId) != nil
                case .intercomGroup: alive = try intercomGroup(id: objectId) != nil
                case .phoneQueue: alive = try phoneQueue(id: objectId) != nil
                case .calendar, .callLog, .statistics:
                    alive = try exists(authorization.objectKind == .group ? .group : .user, objectId)
                }
            }
            if !alive, let id = authorization.id { try deleteAuthorization(id: id) }
        }
        for value in try parameterValues(companyId: companyId) {
            let alive: Bool =
                switch value.scope {
                case .domain: try domain(id: value.scopeId) != nil
                case .group: try group(id: value.scopeId) != nil
                case .user: try user(id: value.scopeId) != nil
                }
            if !alive, let id = value.id { try deleteParameterValue(id: id) }
        }
    }
}

// MARK: - Companies and domains

extension AdminService {
    public func listCompanies(_ admin: AdminPrincipal, _ page: PageRequest) async throws -> Page<Company> {
        try admin.requireReady()
        return try await store.read { tx in
            return try tx.companies(ids: admin.visibleCompanyIds, page)
        }
    }

    public func company(_ admin: AdminPrincipal, id: Int64) async throws -> Company {
        try admin.requireReady()
        return try await store.read { tx in
            try tx.visibleCompany(id, admin)
        }
    }

    public func createCompany(_ admin: AdminPrincipal, name: String) async throws -> Company {
        try admin.requireSuperUser()
        let name = try Check.name(name, field: "name")
        return try await store.write { tx in
            let company = try tx.insert(Company(name: name))
            for application in Application.licensed {
                _ = try tx.insert(Licence(companyId: company.id!, application: application, available: 0))
            }
            return company
        }
    }

    /// Renames a company; super-user only, because company names are unique across the server and
    /// a rename refused as a duplicate would tell a scoped admin another company's name.
    public func renameCompany(_ admin: AdminPrincipal, id: Int64, name: String) async throws -> Company {
        try admin.requireSuperUser()
        let name = try Check.name(name, field: "name")
        return try await store.write { tx in
            var company = try tx.visibleCompany(id, admin)
            company.name = name
            try tx.update(company)
            return company
        }
    }

    /// Deletes a company and, through the schema's cascades, everything in it.
    public func deleteCompany(_ admin: AdminPrincipal, id: Int64) async throws {
        try admin.requireSuperUser()
        try await store.write { tx in
            guard try tx.deleteCompany(id: id) else { throw DomainError.notFound("Company") }
            for var account in try tx.allAdminAccounts() where account.companyIds.contains(id) {
                account.companyIds.removeAll { $0 == id }
                try tx.update(account)
            }
        }
    }

    public func listDomains(_ admin: AdminPrincipal, companyId: Int64?, _ page: PageRequest) async throws -> Page<CompanyDomain> {
        try admin.requireReady()
        return try await store.read { tx in
            if let companyId, !admin.canSee(companyId: companyId) { throw DomainError.notFound("Company") }
            return try tx.domains(companyIds: companyId.map { [$0] } ?? admin.visibleCompanyIds, page)
        }
    }

    public func domain(_ admin: AdminPrincipal, id: Int64) async throws -> CompanyDomain {
        try admin.requireReady()
        return try await store.read { tx in try admin.visible(tx.domain(id: id), "Domain") }
    }

    /// Creates a domain with its built-in directories and a default dialing plan.
    public func createDomain(
        _ admin: AdminPrincipal,
        companyId: Int64,
        name: String,
        numberingPlanLength: Int,
        timeZone: String? = nil
    ) async throws -> CompanyDomain {
        try admin.requireReady()
        let name = try Check.name(name, field: "name")
        try Check.range(numberingPlanLength, 1...16, field: "numberingPlanLength")
        let timeZone = try CompanyDomain.checkTimeZone(timeZone ?? "UTC")
        return try await store.write { tx in
            _ = try tx.visibleCompany(companyId, admin)
            let domain = try tx.insert(CompanyDomain(companyId: companyId, name: name, numberingPlanLength: numberingPlanLength, timeZone: timeZone))
            for directory in Directory.builtIns(companyId: companyId, domainId: domain.id!) { _ = try tx.insert(directory) }
            _ = try tx.insert(
                DialingPlanSettings(
                    companyId: companyId,
                    domainId: domain.id!,
                    internalLength: numberingPlanLength,
                    internalReverseLength: numberingPlanLength
                )
            )
            return domain
        }
    }

    public func updateDomain(
        _ admin: AdminPrincipal,
        id: Int64,
        name: String?,
        numberingPlanLength: Int?,
        timeZone: String? = nil
    ) async throws -> CompanyDomain {
        try admin.requireReady()
        let name = try name.map { name throws(DomainError) in try Check.name(name, field: "name") }
        if let numberingPlanLength { try Check.range(numberingPlanLength, 1...16, field: "numberingPlanLength") }
        let timeZone = try timeZone.map { name throws(DomainError) in try CompanyDomain.checkTimeZone(name) }
        return try await store.write { tx in
            var domain = try admin.visible(tx.domain(id: id), "Domain")
            if let timeZone { domain.timeZone = timeZone }
            if let name { domain.name = name }
            if let numberingPlanLength { domain.numberingPlanLength = numberingPlanLength }
            try tx.update(domain)
            return domain
        }
    }

    public func deleteDomain(_ admin: AdminPrincipal, id: Int64) async throws {
        try admin.requireReady()
        try await store.write { tx in
            let domain = try admin.visible(tx.domain(id: id), "Domain")
            try tx.deleteDomain(id: id)
            try tx.pruneDangling(companyId: domain.companyId)
        }
    }

    public func listDirectories(_ admin: AdminPrincipal, domainId: Int64) async throws -> [Directory] {
        try admin.requireReady()
        return try await store.read { tx in
            _ = try admin.visible(tx.domain(id: domainId), "Domain")
            return try tx.directories(domainId: domainId)
        }
    }
}

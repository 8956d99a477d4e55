import Foundation

// MARK: - Administrator accounts (admin guide 10.1)

extension AdminService {
    /// The boot account a new database starts with (admin guide 3.2: "default user tws, password tws").
    public static var bootUsername: String { "tws" }

    /// Creates `tws`/`tws` on an empty database; the account must change its password before anything else.
    public func ensureBootAdmin() async throws {
        let hash = try await hasher.hash("tws")
        try await store.write { tx in
            if try tx.adminAccountCount() == 0 {
                _ = try tx.insert(
                    AdminAccount(username: Self.bootUsername, passwordHash: hash, superUser: true, companyIds: [], mustChangePassword: true)
                )
            }
        }
    }

    public func listAdmins(_ admin: AdminPrincipal, _ page: PageRequest) async throws -> Page<AdminAccount> {
        try admin.requireSuperUser()
        return try await store.read { tx in
            try tx.adminAccounts(page)
        }
    }

    public func adminAccount(_ admin: AdminPrincipal, id: Int64) async throws -> AdminAccount {
        try admin.requireSuperUser()
        return try await store.read { tx in
            guard let account = try tx.adminAccount(id: id) else { throw DomainError.notFound("Admin account") }
            return account
        }
    }

    public func createAdmin(
        _ admin: AdminPrincipal,
        username: String,
        password: String,
        superUser: Bool,
        companyIds: [Int64]
    ) async throws -> AdminAccount {
        try admin.requireSuperUser()
        let username = try Check.name(username, field: "username", max: 64)
        try PasswordPolicy.check(password)
        let hash = try await hasher.hash(password)
        return try await store.write { tx in
            try Self.checkCompanies(companyIds, tx)
            return try tx.insert(
                AdminAccount(username: username, passwordHash: hash, superUser: superUser, companyIds: Array(Set(companyIds)).sorted())
            )
        }
    }

    public func updateAdmin(
        _ admin: AdminPrincipal,
        id: Int64,
        password: String?,
        superUser: Bool?,
        companyIds: [Int64]?
    ) async throws -> AdminAccount {
        try admin.requireSuperUser()
        if let password { try PasswordPolicy.check(password) }
        if id == admin.adminId {
            // Their own password changes through changeOwnPassword, which asks for the current one: a stolen session
            // alone cannot take the account over. Demoting themselves would lock them out of this very screen.
            guard password == nil else {
                throw DomainError(.conflict, code: "own_password", "Change your own password with your current one (changeAdminPassword)", field: "password")
            }
            guard superUser != false else {
                throw DomainError(.conflict, code: "cannot_demote_self", "An administrator cannot take their own super-user right away", field: "superUser")
            }
        }
        let hash: String?
        if let password { hash = try await hasher.hash(password) } else { hash = nil }
        return try await store.write { tx in
            guard var account = try tx.adminAccount(id: id) else { throw DomainError.notFound("Admin account") }
            if let companyIds {
                try Self.checkCompanies(companyIds, tx)
                account.companyIds = Array(Set(companyIds)).sorted()
            }
            if let superUser {
                if !superUser && account.superUser { try Self.keepOneSuperUser(except: id, tx) }
                account.superUser = superUser
            }
            if let hash { account.passwordHash = hash }
            try tx.update(account)
            if hash != nil { try tx.revokeSessions(.admin, subjectId: id, except: admin.sessionTokenId) }
            return account
        }
    }

    public func deleteAdmin(_ admin: AdminPrincipal, id: Int64) async throws {
        try admin.requireSuperUser()
        guard id != admin.adminId else { throw DomainError.conflict(code: "cannot_delete_self", "An administrator cannot delete their own account") }
        try await store.write { tx in
            guard let account = try tx.adminAccount(id: id) else { throw DomainError.notFound("Admin account") }
            if account.superUser { try Self.keepOneSuperUser(except: id, tx) }
            try tx.deleteAdminAccount(id: id)
            try tx.deleteSessions(kind: .admin, subjectId: id)
        }
    }

    /// Changes the caller's own password; the one operation allowed in boot mode.
    public func changeOwnPassword(_ admin: AdminPrincipal, current: String, new: String) async throws {
        try PasswordPolicy.check(new, field: "newPassword")
        // Checked before the write transaction, which bcrypt's quarter of a second would hold; the write then
        // requires the hash it checked to be still in place.
        guard let checked = try await store.read({ tx in try tx.adminAccount(id: admin.adminId) }) else { throw DomainError.unauthenticated }
        let wrongPassword = DomainError(.forbidden, code: "wrong_password", "The current password is wrong", field: "currentPassword")
        // A well-formed request the account's own secret refuses: 403, not a malformed field.
        guard await hasher.verify(current, hash: checked.passwordHash) else { throw wrongPassword }
        guard current != new else {
            throw DomainError(.conflict, code: "same_password", "The new password must differ from the current one", field: "newPassword")
        }
        let hash = try await hasher.hash(new)
        try await store.write { tx in
            guard var account = try tx.adminAccount(id: admin.adminId) else { throw DomainError.unauthenticated }
            guard account.passwordHash == checked.passwordHash else { throw wrongPassword }
            account.passwordHash = hash
            account.mustChangePassword = false
            try tx.update(account)
            // Sessions opened with the old password (in boot mode: by anyone who knew tws/tws) end here.
            try tx.revokeSessions(.admin, subjectId: admin.adminId, except: admin.sessionTokenId)
        }
    }

    private static func checkCompanies(_ ids: [Int64], _ tx: any StoreTransaction) throws {
        for id in ids where try tx.company(id: id) == nil {
            throw DomainError.missing(field: "companyIds", "Company \(id) does not exist")
        }
    }

    private static func keepOneSuperUser(except id: Int64, _ tx: any StoreTransaction) throws {
        let others = try tx.superUsers().filter { $0.id != id }
        guard !others.isEmpty else { throw DomainError.conflict(code: "last_super_user", "The last super-user cannot be removed") }
    }
}

extension AdminService {
    /// The audit log, newest first. A super-user sees every line; a company administrator sees the lines of their
    /// companies (not failures for names that matched no user, which belong to no company).
    public func auditLog(_ admin: AdminPrincipal, companyId: Int64?, kind: AuditEntry.Kind?, _ page: PageRequest) async throws -> Page<AuditEntry> {
        try admin.requireReady()
        if let companyId, !admin.canSee(companyId: companyId) { throw DomainError.notFound("Company") }
        let companyIds = companyId.map { [$0] } ?? admin.visibleCompanyIds
        return try await store.read { tx in
            try tx.auditEntries(companyIds: companyIds, kind: kind, page)
        }
    }
}

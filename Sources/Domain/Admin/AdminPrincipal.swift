/// An authenticated administrator, as carried by an admin session token.
public struct AdminPrincipal: Sendable, Equatable {
    public var adminId: Int64
    public var username: String
    public var superUser: Bool
    public var companyIds: Set<Int64>
    public var mustChangePassword: Bool
    public var sessionTokenId: String

    public init(adminId: Int64, username: String, superUser: Bool, companyIds: Set<Int64>, mustChangePassword: Bool, sessionTokenId: String) {
        self.adminId = adminId
        self.username = username
        self.superUser = superUser
        self.companyIds = companyIds
        self.mustChangePassword = mustChangePassword
        self.sessionTokenId = sessionTokenId
    }

    public init(_ account: AdminAccount, sessionTokenId: String) {
        self.init(
            adminId: account.id ?? 0,
            username: account.username,
            superUser: account.superUser,
            companyIds: Set(account.companyIds),
            mustChangePassword: account.mustChangePassword,
            sessionTokenId: sessionTokenId
        )
    }

    /// Boot mode: nothing but changing the default password is allowed until it is changed.
    public func requireReady() throws(DomainError) {
        if mustChangePassword { throw .passwordChangeRequired }
    }

    public func requireSuperUser() throws(DomainError) {
        try requireReady()
        guard superUser else { throw .forbidden("Only a super-user may do this") }
    }

    public func canSee(companyId: Int64) -> Bool { superUser || companyIds.contains(companyId) }

    /// `record` when it exists in a company this admin sees; otherwise `not_found` naming `what`, the same answer
    /// for an object of another company as for one that does not exist.
    func visible<R: CompanyScoped>(_ record: R?, _ what: String) throws(DomainError) -> R {
        guard let record, canSee(companyId: record.companyId) else { throw .notFound(what) }
        return record
    }

    /// The companies this admin sees; nil for a super-user, who sees all.
    var visibleCompanyIds: [Int64]? { superUser ? nil : companyIds.sorted() }
}

/// An authenticated user of a domain, as carried by a user session token.
public struct UserPrincipal: Sendable, Equatable {
    public var userId: Int64
    public var domainId: Int64
    public var companyId: Int64
    public var sessionTokenId: String
    /// Set when an API key acts for this user (`onBehalfOf`, issue 19): the user's rights, dialing plan and devices
    /// apply, and application rights are those of the key (Toolkit), not the user's own grants.
    public var apiKeyId: Int64?

    public init(userId: Int64, domainId: Int64, companyId: Int64, sessionTokenId: String, apiKeyId: Int64? = nil) {
        self.userId = userId
        self.domainId = domainId
        self.companyId = companyId
        self.sessionTokenId = sessionTokenId
        self.apiKeyId = apiKeyId
    }
}

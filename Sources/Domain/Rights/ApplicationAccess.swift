/// Whether a user may run an application: an application authorization held by the user or one of their groups
/// (admin guide 7.4.1; authorising an application is what consumes its licence). The features of an application
/// check it where they are used.
public enum ApplicationAccess {
    /// Throws 403 `application_not_authorized` unless `userId` holds `application`, directly or through a group.
    public static func require(_ application: Application, userId: Int64, _ tx: any StoreTransaction) throws {
        guard try holds(application, userId: userId, tx) else {
            throw DomainError.forbidden(code: "application_not_authorized", "\(application.displayName) is not authorised for this user")
        }
    }

    /// Whether `userId` holds `application`, directly or through one of their groups.
    public static func holds(_ application: Application, userId: Int64, _ tx: any StoreTransaction) throws -> Bool {
        guard let user = try tx.user(id: userId) else { throw DomainError.unauthenticated }
        return try holds(application, user: user, tx)
    }

    /// Whether `user` (already read) holds `application`, directly or through one of their groups.
    public static func holds(_ application: Application, user: User, _ tx: any StoreTransaction) throws -> Bool {
        guard let userId = user.id else { return false }
        let grants = try tx.applicationGrants(companyId: user.companyId, application: application)
        if grants.contains(where: { $0.granteeType == .user && $0.granteeId == userId }) { return true }
        let groups = Set(grants.filter { $0.granteeType == .group }.map(\.granteeId))
        guard !groups.isEmpty else { return false }
        return try tx.groupIds(ofUser: userId).contains(where: groups.contains)
    }

    /// Throws 403 `application_not_authorized` unless the user holds one of `need`'s applications, directly or through
    /// a group. An API key acting for the user (`principal.apiKeyId`) is itself a Toolkit licence: when `need` includes
    /// Toolkit, the user's own grants are not required.
    public static func require(_ need: ApplicationNeed, principal: UserPrincipal, _ tx: any StoreTransaction) throws {
        if keyActsAsToolkit(need, principal) { return }
        guard let user = try tx.user(id: principal.userId) else { throw DomainError.unauthenticated }
        try require(need, principal: principal, user: user, tx)
    }

    /// `require(_:principal:_:)` for a service that has already read the principal's `user` in this transaction.
    public static func require(_ need: ApplicationNeed, principal: UserPrincipal, user: User, _ tx: any StoreTransaction) throws {
        if keyActsAsToolkit(need, principal) { return }
        guard try holdsAny(need, user: user, tx) else { throw notAuthorized(need) }
    }

    /// An API key acting for the user is itself a Toolkit licence for a need that includes Toolkit.
    static func keyActsAsToolkit(_ need: ApplicationNeed, _ principal: UserPrincipal) -> Bool {
        principal.apiKeyId != nil && need.applications.contains(.toolkit)
    }

    static func notAuthorized(_ need: ApplicationNeed) -> DomainError {
        .forbidden(code: "application_not_authorized", "\(need) is not authorised for this user")
    }

    /// Whether `user` holds any application of `need`, directly or through one of their groups: one read of the
    /// company's application grants, and of the user's groups only when a group holds one.
    public static func holdsAny(_ need: ApplicationNeed, user: User, _ tx: any StoreTransaction) throws -> Bool {
        guard let userId = user.id else { return false }
        let grants = try tx.authorizations(companyId: user.companyId, objectTypes: [.application]).filter {
            $0.application.map(need.applications.contains) ?? false
        }
        if grants.contains(where: { $0.granteeType == .user && $0.granteeId == userId }) { return true }
        let groups = Set(grants.filter { $0.granteeType == .group }.map(\.granteeId))
        guard !groups.isEmpty else { return false }
        return try tx.groupIds(ofUser: userId).contains(where: groups.contains)
    }
}

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
}

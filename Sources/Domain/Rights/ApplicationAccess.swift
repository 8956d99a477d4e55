/// Whether a user may use an application's features: authorising an application consumes a licence (admin guide
/// 7.4.1), and the features of that application check it where they are used.
public enum ApplicationAccess {
    /// Throws 403 `application_not_authorized` unless `userId` holds `application`, directly or through a group.
    public static func require(_ application: Application, userId: Int64, _ tx: any StoreTransaction) throws {
        guard let user = try tx.user(id: userId) else { throw DomainError.unauthenticated }
        guard try holds(application, user: user, tx) else {
            throw DomainError.forbidden(code: "application_not_authorized", "This needs the \(application.displayName) application, which is not authorised to this user")
        }
    }

    /// Whether `user` holds `application`, directly or through one of their groups.
    public static func holds(_ application: Application, user: User, _ tx: any StoreTransaction) throws -> Bool {
        try UserProfileService.applications(of: user, tx).contains(application)
    }
}

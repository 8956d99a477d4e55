/// Whether users hold the applications operations need, kept per configuration version.
///
/// `ApplicationAccess.require` reads the user, the company's application grants and the user's groups: on a
/// reverse lookup that was 12% of the request's CPU, for an answer that changes only when a user, grant or group
/// membership does. Those tables all move the configuration version, so an answer computed at a version holds
/// until it moves.
public final class ApplicationChecks: Sendable {
    private struct Key: Hashable, Sendable {
        var userId: Int64
        var need: ApplicationNeed
    }

    private let holds = VersionedCache<Key, Bool>()

    public init() {}

    /// `ApplicationAccess.require(need, principal:, tx)`, answered from what was computed at `version` (read before
    /// `tx` began) when it can be.
    public func require(_ need: ApplicationNeed, principal: UserPrincipal, version: UInt64, _ tx: any StoreTransaction) throws {
        if ApplicationAccess.keyActsAsToolkit(need, principal) { return }
        let granted = try holds.value(Key(userId: principal.userId, need: need), version: version) {
            guard let user = try tx.user(id: principal.userId) else { throw DomainError.unauthenticated }
            return try ApplicationAccess.holdsAny(need, user: user, tx)
        }
        guard granted else { throw ApplicationAccess.notAuthorized(need) }
    }
}

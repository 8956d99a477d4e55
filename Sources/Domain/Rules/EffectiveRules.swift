import Foundation

/// A user's rules in the order they are tried (admin guide 9.6: administrators' rules outrank the user's own): rules
/// imposed on the user, then rules imposed on their groups (by group id), then the user's own, each by priority. The
/// user list, the engine, explain and the loop check all read them through here.
public enum EffectiveRules {
    public static func of(userId: Int64, _ tx: any StoreTransaction) throws -> [ForwardingRule] {
        let users = try tx.forwardingRules(userId: userId)
        let groups = try tx.forwardingRules(groupIds: try tx.groupIds(ofUser: userId))
        return users.filter(\.imposed) + groups + users.filter { !$0.imposed }
    }
}

extension RulePresence {
    /// The user's presence as rules see it now: offline without a live session (or when disabled), otherwise the status
    /// they set (available by default), as `PresenceService` announces it.
    public static func current(userId: Int64, at time: Date, _ tx: any StoreTransaction) throws -> RulePresence {
        guard let user = try tx.user(id: userId) else { return .offline }
        let live = try tx.sessions(kind: .user, subjectId: userId).contains { $0.revokedAt == nil && $0.expiresAt > time }
        guard live, user.enabled else { return .offline }
        return RulePresence(try tx.userPresence(userId: userId)?.status ?? .available)
    }
}

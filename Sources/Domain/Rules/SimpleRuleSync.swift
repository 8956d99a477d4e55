import Foundation

/// Keeps users' simple rules and their devices' PBX forwarding in step (admin guide 9.1.8): an active simple rule is
/// the PBX's forward of its type (unless `CreateOnlyRUL`), and a forward set on the telephone shows up as a rule when
/// `DisplaySimpleRules` allows it.
// SKELETON (issue 18 foundation): the PBX-sync branch writes it.
public struct SimpleRuleSync: Sendable {
    let store: any TenantStore
    let gateway: any SwitchGateway
    let events: CallEventPipeline
    let plans: DialingPlans

    public init(store: any TenantStore, gateway: any SwitchGateway, events: CallEventPipeline, plans: DialingPlans) {
        self.store = store
        self.gateway = gateway
        self.events = events
        self.plans = plans
    }

    /// After a user's rules changed (created, replaced, reordered, deleted, imposed): sets or clears the PBX forwarding
    /// of the user's devices so that it matches their first active simple rule of each type. Throws a PBX error as
    /// `DomainError.pbx`.
    public func apply(userId: Int64, domainId: Int64) async throws {}
}

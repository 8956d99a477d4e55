import Foundation

/// Users' and administrators' forwarding rules (admin guide 9.1.8, 9.6): the stored list, its checks (rights,
/// parameters, loops), the PBX forwarding of simple rules, and the explain endpoint.
public struct RuleService: Sendable {
    let store: any TenantStore
    /// The PBX side, for simple rules applied as PBX forwarding.
    let gateway: any SwitchGateway
    /// The call models: device lines (forwarding, calls) and users' presence for explain.
    let events: CallEventPipeline
    let plans: DialingPlans
    /// Names callers for explain's origin conditions (reverse lookup).
    let callerNames: (any CallerNameResolver)?
    /// Users' calendar readings, for explain's `calendar` presence condition (issue 21); nil: never in an event.
    let calendar: CalendarBoard?
    let now: @Sendable () -> Date

    public init(
        store: any TenantStore,
        gateway: any SwitchGateway,
        events: CallEventPipeline,
        plans: DialingPlans,
        callerNames: (any CallerNameResolver)?,
        calendar: CalendarBoard? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.calendar = calendar
        self.store = store
        self.gateway = gateway
        self.events = events
        self.plans = plans
        self.callerNames = callerNames
        self.now = now
    }
}

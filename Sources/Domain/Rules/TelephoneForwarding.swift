import Foundation

/// PBX → rules (admin guide 9.1.8 `DisplaySimpleRules`): forwards switched on or off at the telephone (or by any other
/// means the PBX reports) become the user's simple rules.
///
/// - A forward switched on to a destination that no active simple rule of that type explains: when the user's
///   `DisplaySimpleRules` is on, a simple rule (source `telephone`, active, the destination as the PBX reports it) is
///   stored, or an identical stored one reactivated; the user's other active simple rules of that type are switched
///   off, so the rules keep showing what the PBX does.
/// - A forward switched off: the user's active simple rules of that type (their own, from the user or the telephone)
///   are switched off. Not under `CreateOnlyRUL` (admin guide 9.6.2): there the PBX forward is not the rules' state.
/// - The echo of a command the server sent itself (`SimpleRuleSync.apply`) is ignored.
///
/// `observe` only queues the PBX event (it runs on the PBX event path); `run` stores the rules, as a Service of the
/// server's group.
public final class TelephoneForwarding: CallEventObserver, Sendable {
    struct Reported: Sendable {
        var domainId: Int64
        var device: String
        var setting: ForwardingSetting
        var time: Date
    }

    let store: any TenantStore
    let events: CallEventPipeline
    let plans: DialingPlans
    private let stream: AsyncStream<Reported>
    private let continuation: AsyncStream<Reported>.Continuation

    public init(store: any TenantStore, events: CallEventPipeline, plans: DialingPlans) {
        self.store = store
        self.events = events
        self.plans = plans
        (stream, continuation) = AsyncStream.makeStream(of: Reported.self)
    }

    public func observe(_ event: SwitchEvent?, _ output: CallModelOutput, domainId: Int64, time: Date) async {
        guard case .forwarding(let device, let setting) = event else { return }
        if events.issuedForwarding.consume(domainId: domainId, device: device, setting: setting, at: time) { return }
        continuation.yield(Reported(domainId: domainId, device: device, setting: setting, time: time))
    }

    /// Takes in the reported forwards until `finish`.
    public func run() async {
        for await reported in stream {
            // A forward the store could not take in now is taken in at the next change of the same forward.
            _ = try? await takeIn(reported)
        }
    }

    /// Ends `run` once what was queued is stored.
    public func finish() {
        continuation.finish()
    }

    /// Stores what one reported forward means for its user's simple rules.
    func takeIn(_ reported: Reported) async throws {
        let version = store.configurationVersion
        let plans = self.plans
        try await store.write { tx in
            guard let device = try tx.device(domainId: reported.domainId, number: reported.device),
                let user = try tx.user(id: device.userId)
            else { return }
            let parameters = try RuleParameters(user: user, tx)
            let kind = reported.setting.kind
            let own = try tx.forwardingRules(userId: user.id ?? 0).filter { !$0.imposed && $0.kind == .simple && $0.action.type == kind }
            guard reported.setting.enabled else {
                guard !parameters.createOnly else { return }
                for var rule in own where rule.active && rule.source != .administrator {
                    rule.active = false
                    rule.updatedAt = reported.time
                    try tx.update(rule)
                }
                return
            }
            guard let destination = reported.setting.destination, !destination.isEmpty else { return }
            let plan = try plans.plan(domainId: reported.domainId, version: version, tx)
            let shown = plan.reverse(destination).number
            let active = try EffectiveRules.of(userId: user.id ?? 0, tx).filter { $0.active && $0.kind == .simple && $0.action.type == kind }
            for rule in active {
                let target = try SimpleRuleState.target(of: rule.action.destination, voicemail: parameters.voicemail, plan: plan, tx)
                if target == destination || rule.action.destination.number == destination || rule.action.destination.number == shown { return }
            }
            guard parameters.displaySimpleRules else { return }
            var kept: ForwardingRule?
            for var rule in own {
                let identical = rule.action.destination.kind == .number && rule.action.destination.number == destination
                if identical && kept == nil {
                    rule.active = true
                    kept = rule
                } else {
                    guard rule.active else { continue }
                    rule.active = false
                }
                rule.updatedAt = reported.time
                try tx.update(rule)
            }
            guard kept == nil else { return }
            let priority = (try tx.forwardingRules(userId: user.id ?? 0).filter { !$0.imposed }.map(\.priority).max() ?? 0) + 1
            _ = try tx.insert(
                ForwardingRule(
                    companyId: user.companyId,
                    domainId: reported.domainId,
                    owner: .user(user.id ?? 0),
                    imposed: false,
                    name: Self.name(of: kind),
                    kind: .simple,
                    active: true,
                    priority: priority,
                    source: .telephone,
                    action: RuleAction(type: kind, destination: .number(destination)),
                    updatedAt: reported.time
                )
            )
        }
    }

    /// The name a rule taken in from the telephone gets.
    static func name(of kind: ForwardingKind) -> String {
        switch kind {
        case .immediate: "Forward (immediate) from the telephone"
        case .busy: "Forward (busy) from the telephone"
        case .noAnswer: "Forward (no answer) from the telephone"
        }
    }
}

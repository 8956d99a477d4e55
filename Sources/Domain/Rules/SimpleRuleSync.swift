import Foundation

/// Keeps users' simple rules and their devices' PBX forwarding in step (admin guide 9.1.8): an active simple rule is
/// the PBX's forward of its type (unless `CreateOnlyRUL`), and a forward set on the telephone shows up as a rule when
/// `DisplaySimpleRules` allows it (`TelephoneForwarding`, the other direction).
///
/// Rules → PBX (`apply`, after every rule write): for each of the user's devices and each type (immediate, busy, no
/// answer), the first active simple rule of that type in `EffectiveRules` order is the forward (its destination after
/// the domain's dialing plan; a colleague is their first device, voicemail the user's `vmNumber`); without one the
/// forward is switched off when a rule had set it, or always when `DisplaySimpleRules` makes the PBX mirror the rules
/// (a forward set on the telephone would then be a rule itself). With `CreateOnlyRUL` (admin guide 9.6.2) nothing is
/// applied in the PBX: forwards a rule had set are switched off, a forward set on the telephone stays. Commands whose
/// state the device's line already shows are not sent; those sent are noted in `CallEventPipeline.issuedForwarding`
/// so that their echo is not taken in as a forward from the telephone.
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
    /// `DomainError.pbx` (the first one; the other devices and types are still tried).
    public func apply(userId: Int64, domainId: Int64) async throws {
        let version = store.configurationVersion
        let plans = self.plans
        let wanted = try await store.read { tx in try SimpleRuleState.of(userId: userId, domainId: domainId, version: version, plans: plans, tx) }
        guard let wanted else { return }
        var failure: SwitchError?
        for device in wanted.devices {
            // A device no PBX link monitors cannot take a command now (and tells nothing of its forwards): it gets
            // its forwards at the next rule write, so a rule can be saved while its PBX is down.
            guard let line = events.line(domainId: domainId, device: device), line.monitored else { continue }
            for kind in ForwardingKind.allCases {
                guard let setting = wanted.command(kind, current: line.forwarding[kind]) else { continue }
                events.issuedForwarding.expect(domainId: domainId, device: device, setting: setting)
                do {
                    _ = try await gateway.execute(.setForwarding(device: device, setting: setting), domainId: domainId)
                } catch {
                    failure = failure ?? error
                }
            }
        }
        if let failure { throw DomainError.pbx(failure) }
    }
}

/// What a user's simple rules want of the PBX, read in one transaction.
struct SimpleRuleState: Sendable {
    var devices: [String]
    /// Per type, the first active simple rule's forward (after the dialing plan); absent without one.
    var wanted: [ForwardingKind: String]
    /// Per type, the forwards any of the user's simple rules (not those taken in from the telephone) would set.
    var ruleTargets: [ForwardingKind: Set<String>]
    var createOnly: Bool
    var display: Bool

    /// The user's state; nil when the user is not of `domainId`.
    static func of(userId: Int64, domainId: Int64, version: UInt64, plans: DialingPlans, _ tx: any StoreTransaction) throws -> SimpleRuleState? {
        guard let user = try tx.user(id: userId), user.domainId == domainId else { return nil }
        let parameters = try RuleParameters(user: user, tx)
        let plan = try plans.plan(domainId: domainId, version: version, tx)
        var wanted: [ForwardingKind: String] = [:]
        var ruleTargets: [ForwardingKind: Set<String>] = [:]
        for rule in try EffectiveRules.of(userId: userId, tx) where rule.kind == .simple {
            guard let target = try Self.target(of: rule.action.destination, voicemail: parameters.voicemail, plan: plan, tx) else { continue }
            if rule.active && wanted[rule.action.type] == nil { wanted[rule.action.type] = target }
            if rule.source != .telephone { ruleTargets[rule.action.type, default: []].insert(target) }
        }
        return SimpleRuleState(
            devices: try tx.devices(userId: userId).map(\.number).sorted(),
            wanted: wanted,
            ruleTargets: ruleTargets,
            createOnly: parameters.createOnly,
            display: parameters.displaySimpleRules
        )
    }

    /// The number a rule's destination is dialled as: a colleague's first device, the voicemail number, or the number,
    /// through the domain's dialing plan; nil when there is none (a colleague without a device, no `vmNumber`) or the
    /// plan refuses it.
    static func target(of destination: RuleDestination, voicemail: String, plan: DialingPlan, _ tx: any StoreTransaction) throws -> String? {
        let number: String?
        switch destination.kind {
        case .number: number = destination.number
        case .colleague: number = try destination.userId.flatMap { try tx.devices(userId: $0).map(\.number).sorted().first }
        case .voicemail: number = voicemail
        }
        guard let number, !number.isEmpty else { return nil }
        return (try? plan.transform(number))?.number
    }

    /// The command that brings a forward of `kind` where the rules want it; nil when nothing is to be sent. `current`
    /// is the line's forward (nil when off).
    func command(_ kind: ForwardingKind, current: String?) -> ForwardingSetting? {
        let off = ForwardingSetting(kind: kind, enabled: false, destination: nil)
        let setByRule = current.map { ruleTargets[kind]?.contains($0) == true } ?? false
        if createOnly {
            // admin guide 9.6.2 CreateOnlyRUL: the server runs simple rules; no forward of theirs stays in the PBX.
            return setByRule ? off : nil
        }
        if let target = wanted[kind] {
            return current == target ? nil : ForwardingSetting(kind: kind, enabled: true, destination: target)
        }
        guard current != nil else { return nil }
        return display || setByRule ? off : nil
    }
}

import Foundation

/// What happens to a call at one device, in the order the PBX and the server act (pure, for the explain endpoint):
/// the PBX's immediate forward first, then its busy forward while the device is in a call, then the rules the server
/// runs (first match wins, `RuleEvaluator`), then the PBX's no-answer forward.
///
/// Advanced rules are always run by the server. A simple rule is run by the server only under `CreateOnlyRUL`
/// (admin guide 9.6.2); otherwise, while active, it IS the PBX's forward of its type, and is shown as such.
enum RuleExplainer {
    /// Where a forward sends the call, before the dialing plan.
    enum Target: Sendable, Equatable {
        /// A number as the PBX holds it (already dialled).
        case pbx(String)
        /// A rule's destination, resolved when the rule runs.
        case rule(RuleDestination)
    }

    /// The forward that takes the call away from the device.
    struct Forward: Sendable, Equatable {
        var via: RuleExplanation.Via
        var type: ForwardingKind
        var target: Target
        /// The rule behind it (a server-run rule, or the simple rule that the PBX forward is).
        var rule: ForwardingRule?
        var waitSeconds: Int?
    }

    struct Decision: Sendable, Equatable {
        var steps: [RuleExplanation.Step]
        /// The step of the rule behind the forward, when a rule is behind it.
        var fired: RuleExplanation.Step?
        /// Nil: the call rings at the device.
        var forward: Forward?
    }

    /// Decides for one device. `rules` are the user's effective rules in the order they are tried; `pbxForwarding` is
    /// what the call model saw of the device's PBX forwarding (empty when unknown).
    static func decide(
        rules: [ForwardingRule],
        createOnly: Bool,
        pbxForwarding: [ForwardingKind: String],
        call: RuleCallContext,
        waitNoReply: Int,
        waitNoReplyPBX: Int
    ) -> Decision {
        let serverRun = rules.filter { $0.kind == .advanced || createOnly }
        /// The PBX's forward of `kind`: what the PBX reported, else the active simple rule it is kept in step with.
        func pbx(_ kind: ForwardingKind) -> Forward? {
            let simple = createOnly ? nil : rules.first { $0.kind == .simple && $0.active && $0.action.type == kind }
            let wait = kind == .noAnswer ? waitNoReplyPBX : nil
            if let number = pbxForwarding[kind], !number.isEmpty {
                return Forward(via: .pbx, type: kind, target: .pbx(number), rule: simple, waitSeconds: wait)
            }
            guard let simple else { return nil }
            return Forward(via: .pbx, type: kind, target: .rule(simple.action.destination), rule: simple, waitSeconds: wait)
        }
        func pbxDecision(_ forward: Forward, _ reason: String, steps: [RuleExplanation.Step] = []) -> Decision {
            let fired = forward.rule.map { RuleExplanation.Step(ruleId: $0.id ?? 0, name: $0.name, fired: true, reason: reason) }
            return Decision(steps: steps + (fired.map { [$0] } ?? []), fired: fired, forward: forward)
        }

        if let forward = pbx(.immediate) {
            return pbxDecision(forward, "The PBX forwards every call at once (a simple rule applied in the PBX)")
        }
        if call.deviceBusy, let forward = pbx(.busy) {
            return pbxDecision(forward, "The device is in another call and the PBX forwards on busy (a simple rule applied in the PBX)")
        }
        let evaluation = RuleEvaluator.evaluate(serverRun, call)
        let steps = evaluation.steps.map(RuleExplanation.Step.init)
        if let rule = evaluation.fired {
            let forward = Forward(
                via: .rule,
                type: rule.action.type,
                target: .rule(rule.action.destination),
                rule: rule,
                waitSeconds: rule.action.type == .noAnswer ? waitNoReply : nil
            )
            return Decision(steps: steps, fired: steps.last, forward: forward)
        }
        if let forward = pbx(.noAnswer) {
            return pbxDecision(
                forward,
                "No rule the server runs applies: the PBX forwards when the call rings unanswered (a simple rule applied in the PBX)",
                steps: steps
            )
        }
        return Decision(steps: steps, fired: nil, forward: nil)
    }
}

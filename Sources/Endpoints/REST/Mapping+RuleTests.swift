import API
import Domain
import Foundation

extension RuleTest {
    init(_ body: Components.Schemas.RuleTestRequest) throws {
        self.init(
            callerNumber: body.callerNumber,
            time: body.time,
            presence: try convert(body.presence, field: "presence"),
            deviceBusy: body.deviceState.map { $0 == .busy },
            device: body.device
        )
    }
}

extension Components.Schemas.RuleExplanation {
    init(_ e: RuleExplanation) throws {
        self.init(
            decision: try convert(e.decision, field: "decision"),
            rule: e.rule.map(Components.Schemas.RuleStep.init),
            _type: e.type.flatMap { Components.Schemas.ForwardingKind(rawValue: $0.rawValue) },
            waitSeconds: e.waitSeconds.map { Int32(clamping: $0) },
            destination: e.destination,
            steps: e.steps.map(Components.Schemas.RuleStep.init),
            chain: e.chain.map(Components.Schemas.RuleHop.init),
            finalDestination: e.finalDestination,
            context: try .init(e.context)
        )
    }
}

extension Components.Schemas.RuleStep {
    init(_ s: RuleExplanation.Step) {
        self.init(
            ruleId: s.ruleId,
            name: s.name,
            outcome: s.fired ? .fired : .skipped,
            condition: s.condition.flatMap { ConditionPayload(rawValue: $0.rawValue) },
            reason: s.reason
        )
    }
}

extension Components.Schemas.RuleHop {
    init(_ h: RuleExplanation.Hop) {
        self.init(
            device: h.device,
            userId: h.userId,
            userName: h.userName,
            ruleId: h.ruleId,
            ruleName: h.ruleName,
            via: h.via.flatMap { ViaPayload(rawValue: $0.rawValue) },
            _type: h.type.flatMap { Components.Schemas.ForwardingKind(rawValue: $0.rawValue) }
        )
    }
}

extension Components.Schemas.RuleTestContext {
    init(_ c: RuleExplanation.Context) throws {
        self.init(
            callerNumber: c.callerNumber,
            origin: c.callerIsInternal ? ._internal : .external,
            callerName: c.callerName,
            vip: c.vip,
            time: c.time,
            timeZone: c.timeZone,
            presence: try convert(c.presence, field: "presence"),
            deviceState: c.deviceBusy ? .busy : .idle,
            device: c.device
        )
    }
}

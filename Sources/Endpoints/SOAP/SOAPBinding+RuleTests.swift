import Auth
import Domain
import Foundation
import SOAP

/// TestRules, the SOAP twin of `POST /api/v1/rules/test`: the same `RuleService.explain` with the request's elements
/// in place of the REST body.
extension SOAPBinding {
    func testRules(_ payload: SOAPElement) async throws -> SOAPElement {
        guard let callerNumber = payload.string("callerNumber") else { throw DomainError.invalid(field: "callerNumber", "callerNumber is required") }
        var deviceBusy: Bool?
        switch payload.string("deviceState") {
        case nil: deviceBusy = nil
        case "busy": deviceBusy = true
        case "idle": deviceBusy = false
        case let other?: throw DomainError.invalid(field: "deviceState", "Unsupported value \(other)")
        }
        var presence: RulePresence?
        if let text = payload.string("presence") {
            guard let value = RulePresence(rawValue: text) else { throw DomainError.invalid(field: "presence", "Unsupported value \(text)") }
            presence = value
        }
        let request = RuleTest(
            callerNumber: callerNumber,
            time: try payload.dateTime("time"),
            presence: presence,
            deviceBusy: deviceBusy,
            device: payload.string("device")
        )
        let explanation = try await rules.explain(try Caller.current.user(), request)
        var children: [SOAPElement?] = [.leaf("decision", explanation.decision.rawValue)]
        children.append(explanation.rule.map { Self.ruleStep("rule", $0) })
        children += [
            .leaf("type", explanation.type?.rawValue), .leaf("waitSeconds", explanation.waitSeconds),
            .leaf("destination", explanation.destination),
        ]
        children += explanation.steps.map { Self.ruleStep("step", $0) }
        children += explanation.chain.map(Self.ruleHop)
        children.append(.leaf("finalDestination", explanation.finalDestination))
        children.append(Self.ruleTestContext(explanation.context))
        return SOAPElement("TestRulesResponse", children: children)
    }

    /// tws:RuleStep, as an element named `name`.
    static func ruleStep(_ name: String, _ step: RuleExplanation.Step) -> SOAPElement {
        SOAPElement(
            name,
            children: [
                .leaf("ruleId", step.ruleId), .leaf("name", step.name), .leaf("outcome", step.fired ? "fired" : "skipped"),
                .leaf("condition", step.condition?.rawValue), .leaf("reason", step.reason),
            ]
        )
    }

    /// tws:RuleHop, as a `hop` element.
    static func ruleHop(_ hop: RuleExplanation.Hop) -> SOAPElement {
        SOAPElement(
            "hop",
            children: [
                .leaf("device", hop.device), .leaf("userId", hop.userId), .leaf("userName", hop.userName), .leaf("ruleId", hop.ruleId),
                .leaf("ruleName", hop.ruleName), .leaf("via", hop.via?.rawValue), .leaf("type", hop.type?.rawValue),
            ]
        )
    }

    /// tws:RuleTestContext, as a `context` element.
    static func ruleTestContext(_ context: RuleExplanation.Context) -> SOAPElement {
        SOAPElement(
            "context",
            children: [
                .leaf("callerNumber", context.callerNumber), .leaf("origin", context.callerIsInternal ? "internal" : "external"),
                .leaf("callerName", context.callerName), .leaf("vip", context.vip), .leaf("time", context.time),
                .leaf("timeZone", context.timeZone), .leaf("presence", context.presence.rawValue),
                .leaf("deviceState", context.deviceBusy ? "busy" : "idle"), .leaf("device", context.device),
            ]
        )
    }
}

extension SOAPElement {
    /// An optional xsd:dateTime (with or without fractional seconds, any offset).
    func dateTime(_ name: String) throws(DomainError) -> Date? {
        guard let text = string(name) else { return nil }
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        throw DomainError.invalid(field: name, "\(name) must be an xsd:dateTime")
    }
}

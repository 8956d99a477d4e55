import Auth
import Domain
import Foundation
import SOAP

/// The forwarding rule operations of the SOAP binding: the twins of `TWSAPI+Rules.swift` (user side), calling the same
/// `RuleService` with the request's elements in place of the REST path and body.
extension SOAPBinding {
    func getRules() async throws -> SOAPElement {
        let views = try await rules.rules(try Caller.current.user())
        return SOAPElement("GetRulesResponse", children: views.map { Self.forwardingRule("rule", $0) })
    }

    func getRule(_ payload: SOAPElement) async throws -> SOAPElement {
        let view = try await rules.rule(try Caller.current.user(), id: try payload.ruleId())
        return Self.forwardingRule("GetRuleResponse", view)
    }

    func createRule(_ payload: SOAPElement) async throws -> SOAPElement {
        let view = try await rules.createRule(try Caller.current.user(), try Self.ruleInput(payload))
        return Self.forwardingRule("CreateRuleResponse", view)
    }

    func updateRule(_ payload: SOAPElement) async throws -> SOAPElement {
        guard let rule = payload.child("rule") else { throw DomainError.invalid(field: "rule", "rule is required") }
        let view = try await rules.updateRule(try Caller.current.user(), id: try payload.ruleId(), try Self.ruleInput(rule))
        return Self.forwardingRule("UpdateRuleResponse", view)
    }

    func deleteRule(_ payload: SOAPElement) async throws -> SOAPElement {
        try await rules.deleteRule(try Caller.current.user(), id: try payload.ruleId())
        return SOAPElement("DeleteRuleResponse")
    }

    func setRuleOrder(_ payload: SOAPElement) async throws -> SOAPElement {
        let ids = try payload.children(named: "ruleId").map { element throws(DomainError) -> Int64 in
            guard let id = Int64(element.text) else { throw DomainError.invalid(field: "ruleId", "ruleId must be an integer") }
            return id
        }
        let views = try await rules.setRuleOrder(try Caller.current.user(), ids: ids)
        return SOAPElement("SetRuleOrderResponse", children: views.map { Self.forwardingRule("rule", $0) })
    }

    func getSharedRules() async throws -> SOAPElement {
        let shared = try await rules.sharedRules(try Caller.current.user())
        return SOAPElement("GetSharedRulesResponse", children: shared.map(Self.sharedRule))
    }

    // MARK: Reading tws:RuleInput

    /// tws:RuleInput (the children of CreateRule, or UpdateRule's `rule`).
    static func ruleInput(_ element: SOAPElement) throws -> RuleInput {
        guard let forward = element.child("forward"), let destination = forward.child("destination") else {
            throw DomainError.invalid(field: "forward", "forward is required")
        }
        let priority = try element.string("priority").map { text throws(DomainError) -> Int in
            guard let value = Int(text) else { throw DomainError.invalid(field: "priority", "priority must be an integer") }
            return value
        }
        let userId = try destination.string("userId").map { text throws(DomainError) -> Int64 in
            guard let value = Int64(text) else { throw DomainError.invalid(field: "forward.destination.userId", "userId must be an integer") }
            return value
        }
        return RuleInput(
            name: element.string("name") ?? "",
            kind: try enumValue(element.string("kind"), field: "kind"),
            active: element.bool("active") ?? true,
            priority: priority,
            action: RuleAction(
                type: try enumValue(forward.string("type"), field: "forward.type"),
                destination: RuleDestination(
                    kind: try enumValue(destination.string("kind"), field: "forward.destination.kind"),
                    number: destination.string("number"),
                    userId: userId
                )
            ),
            conditions: try element.child("conditions").map(ruleConditions)
        )
    }

    static func ruleConditions(_ element: SOAPElement) throws -> RuleConditions {
        let origin = try element.child("origin").map { origin throws -> RuleOrigin in
            let directoryId = try origin.string("directoryId").map { text throws(DomainError) -> Int64 in
                guard let value = Int64(text) else { throw DomainError.invalid(field: "conditions.origin.directoryId", "directoryId must be an integer") }
                return value
            }
            return RuleOrigin(
                match: try enumValue(origin.string("match"), field: "conditions.origin.match"),
                numbers: origin.children(named: "number").map(\.text),
                directoryId: directoryId,
                except: origin.bool("except") ?? false
            )
        }
        let presence = try element.children(named: "presence").map { element throws -> RulePresence in
            try enumValue(element.text, field: "conditions.presence")
        }
        let schedule = try element.child("schedule").map { schedule throws -> RuleSchedule in
            let days = try schedule.children(named: "day").map { day throws -> RuleSchedule.Weekday in
                try enumValue(day.text, field: "conditions.schedule.days")
            }
            let ranges = try schedule.children(named: "range").enumerated().map { index, range throws -> RuleTimeRange in
                RuleTimeRange(
                    from: try RuleValidation.minutes(range.string("from") ?? "", field: "conditions.schedule.ranges[\(index)].from"),
                    to: try RuleValidation.minutes(range.string("to") ?? "", field: "conditions.schedule.ranges[\(index)].to")
                )
            }
            return RuleSchedule(
                days: days.isEmpty ? nil : Set(days),
                ranges: ranges.isEmpty ? nil : ranges,
                outside: schedule.string("when") == "outside",
                exceptions: Set(schedule.children(named: "exception").map(\.text))
            )
        }
        return RuleConditions(origin: origin, presence: presence.isEmpty ? nil : Set(presence), schedule: schedule)
    }

    /// An enumeration's value (the schema has already refused others; a gap faults as a field error, never a crash).
    static func enumValue<Value: RawRepresentable>(_ text: String?, field: String) throws(DomainError) -> Value where Value.RawValue == String {
        guard let text, let value = Value(rawValue: text) else { throw DomainError.invalid(field: field, "Unsupported value \(text ?? "none")") }
        return value
    }

    // MARK: Writing tws:ForwardingRule

    /// tws:ForwardingRule as an element named `name`.
    static func forwardingRule(_ name: String, _ view: RuleView) -> SOAPElement {
        let rule = view.rule
        let imposedOn = view.imposedOn.map { imposer -> SOAPElement in
            let (scope, id): (String, Int64) =
                switch imposer.owner {
                case .user(let id): ("user", id)
                case .group(let id): ("group", id)
                }
            return SOAPElement("imposedOn", children: [.leaf("scope", scope), .leaf("id", id), .leaf("name", imposer.name)])
        }
        return SOAPElement(
            name,
            children: [
                .leaf("id", rule.id ?? 0), .leaf("name", rule.name), .leaf("kind", rule.kind.rawValue), .leaf("active", rule.active),
                .leaf("priority", rule.priority), .leaf("source", rule.source.rawValue), .leaf("imposed", rule.imposed), imposedOn,
                .leaf("userId", rule.userId), ruleAction(rule.action), rule.conditions.map(ruleConditions), .leaf("updatedAt", rule.updatedAt),
            ]
        )
    }

    static func ruleAction(_ action: RuleAction) -> SOAPElement {
        SOAPElement(
            "forward",
            children: [
                .leaf("type", action.type.rawValue),
                SOAPElement(
                    "destination",
                    children: [
                        .leaf("kind", action.destination.kind.rawValue), .leaf("number", action.destination.number),
                        .leaf("userId", action.destination.userId),
                    ]
                ),
            ]
        )
    }

    static func ruleConditions(_ conditions: RuleConditions) -> SOAPElement {
        var children: [SOAPElement?] = []
        if let origin = conditions.origin {
            var parts: [SOAPElement?] = [.leaf("match", origin.match.rawValue)]
            parts += origin.numbers.map { SOAPElement.leaf("number", $0) }
            parts += [.leaf("directoryId", origin.directoryId), origin.except ? .leaf("except", true) : nil]
            children.append(SOAPElement("origin", children: parts))
        }
        children += (conditions.presence ?? []).sorted { $0.rawValue < $1.rawValue }.map { SOAPElement.leaf("presence", $0.rawValue) }
        if let schedule = conditions.schedule {
            var parts: [SOAPElement?] = RuleSchedule.Weekday.allCases.filter { schedule.days?.contains($0) ?? false }.map { .leaf("day", $0.rawValue) }
            parts += (schedule.ranges ?? []).map {
                SOAPElement("range", children: [.leaf("from", RuleTimeRange.text($0.from)), .leaf("to", RuleTimeRange.text($0.to))])
            }
            parts.append(.leaf("when", schedule.outside ? "outside" : "inside"))
            parts += schedule.exceptions.sorted().map { SOAPElement.leaf("exception", $0) }
            children.append(SOAPElement("schedule", children: parts))
        }
        return SOAPElement("conditions", children: children)
    }

    /// tws:SharedRule, as a `user` element.
    static func sharedRule(_ shared: SharedRule) -> SOAPElement {
        SOAPElement(
            "user",
            children: [
                .leaf("userId", shared.userId), .leaf("userName", shared.userName), .leaf("displayName", shared.displayName),
                shared.rule.map { rule in
                    SOAPElement(
                        "rule",
                        children: [
                            .leaf("name", rule.name), .leaf("type", rule.type.rawValue), .leaf("destination", rule.destination),
                            .leaf("destinationName", rule.destinationName),
                        ]
                    )
                },
            ]
        )
    }
}

extension SOAPElement {
    fileprivate func ruleId() throws(DomainError) -> Int64 {
        guard let id = try optionalLong("ruleId") else { throw DomainError.invalid(field: "ruleId", "ruleId is required") }
        return id
    }
}

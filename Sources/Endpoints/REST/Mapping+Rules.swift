import API
import Domain
import Foundation

// Forwarding rules between the contract (Components.Schemas) and Domain: schedule `when` ⇄ `outside`, times
// "HH:MM" ⇄ minutes, `imposedOn` for imposed rules, `userId` for users' own.

extension RuleInput {
    init(_ wire: Components.Schemas.ForwardingRuleInput) throws {
        self.init(
            name: wire.name,
            kind: try convert(wire.kind, field: "kind"),
            active: wire.active ?? true,
            priority: wire.priority.map(Int.init),
            action: try RuleAction(wire.forward),
            conditions: try wire.conditions.map(RuleConditions.init)
        )
    }
}

extension RuleAction {
    init(_ wire: Components.Schemas.RuleAction) throws {
        let destination = wire.destination
        self.init(
            type: try convert(wire._type, field: "forward.type"),
            destination: RuleDestination(
                kind: try convert(destination.kind, field: "forward.destination.kind"),
                number: destination.number,
                userId: destination.userId
            )
        )
    }
}

extension RuleConditions {
    init(_ wire: Components.Schemas.RuleConditions) throws {
        self.init(
            origin: try wire.origin.map { origin in
                RuleOrigin(
                    match: try convert(origin.match, field: "conditions.origin.match"),
                    numbers: origin.numbers ?? [],
                    directoryId: origin.directoryId,
                    except: origin.except ?? false
                )
            },
            presence: try wire.presence.map { list in
                try uniqueSet(try list.map { presence throws -> RulePresence in try convert(presence, field: "conditions.presence") }, field: "conditions.presence")
            },
            schedule: try wire.schedule.map(RuleSchedule.init)
        )
    }
}

extension RuleSchedule {
    init(_ wire: Components.Schemas.RuleSchedule) throws {
        self.init(
            days: try wire.days.map { list in
                try uniqueSet(try list.map { day throws -> RuleSchedule.Weekday in try convert(day, field: "conditions.schedule.days") }, field: "conditions.schedule.days")
            },
            ranges: try wire.ranges.map { ranges in
                try ranges.enumerated().map { index, range in
                    RuleTimeRange(
                        from: try RuleValidation.minutes(range.from, field: "conditions.schedule.ranges[\(index)].from"),
                        to: try RuleValidation.minutes(range.to, field: "conditions.schedule.ranges[\(index)].to")
                    )
                }
            },
            outside: wire.when == .outside,
            exceptions: try uniqueSet(wire.exceptions ?? [], field: "conditions.schedule.exceptions")
        )
    }
}

extension Components.Schemas.ForwardingRule {
    init(_ view: RuleView) throws {
        let rule = view.rule
        self.init(
            id: rule.id ?? 0,
            name: rule.name,
            kind: try convert(rule.kind, field: "kind"),
            active: rule.active,
            priority: Int32(clamping: rule.priority),
            source: try convert(rule.source, field: "source"),
            imposed: rule.imposed,
            imposedOn: view.imposedOn.map { imposer -> Components.Schemas.RuleImposer in
                switch imposer.owner {
                case .user(let id): Components.Schemas.RuleImposer(scope: .user, id: id, name: imposer.name)
                case .group(let id): Components.Schemas.RuleImposer(scope: .group, id: id, name: imposer.name)
                }
            },
            userId: rule.userId,
            forward: try .init(rule.action),
            conditions: try rule.conditions.map(Components.Schemas.RuleConditions.init),
            updatedAt: rule.updatedAt
        )
    }
}

extension Components.Schemas.RuleAction {
    init(_ action: RuleAction) throws {
        self.init(
            _type: try convert(action.type, field: "forward.type"),
            destination: .init(
                kind: try convert(action.destination.kind, field: "forward.destination.kind"),
                number: action.destination.number,
                userId: action.destination.userId
            )
        )
    }
}

extension Components.Schemas.RuleConditions {
    init(_ conditions: RuleConditions) throws {
        self.init(
            origin: try conditions.origin.map { origin in
                .init(
                    match: try convert(origin.match, field: "conditions.origin.match"),
                    numbers: origin.numbers.isEmpty ? nil : origin.numbers,
                    directoryId: origin.directoryId,
                    except: origin.except ? true : nil
                )
            },
            presence: try conditions.presence.map { set in
                try set.sorted { $0.rawValue < $1.rawValue }.map { presence throws -> Components.Schemas.RulePresence in
                    try convert(presence, field: "conditions.presence")
                }
            },
            schedule: try conditions.schedule.map { schedule in
                .init(
                    days: try schedule.days.map { days in
                        try RuleSchedule.Weekday.allCases.filter(days.contains).map { day throws -> Components.Schemas.RuleSchedule.DaysPayloadPayload in
                            try convert(day, field: "conditions.schedule.days")
                        }
                    },
                    ranges: schedule.ranges.map { $0.map { .init(from: RuleTimeRange.text($0.from), to: RuleTimeRange.text($0.to)) } },
                    when: schedule.outside ? .outside : .inside,
                    exceptions: schedule.exceptions.isEmpty ? nil : schedule.exceptions.sorted()
                )
            }
        )
    }
}

extension Components.Schemas.SharedRule {
    init(_ shared: SharedRule) throws {
        self.init(
            userId: shared.userId,
            userName: shared.userName,
            displayName: shared.displayName,
            rule: try shared.rule.map { rule in
                .init(name: rule.name, _type: try convert(rule.type, field: "type"), destination: rule.destination, destinationName: rule.destinationName)
            }
        )
    }
}

/// A list the contract marks `uniqueItems`, as the set the domain keeps: 422 `invalid_rule` when an item repeats
/// (a set would otherwise swallow the repeat and accept what the contract refuses).
func uniqueSet<Item: Hashable>(_ list: [Item], field: String) throws -> Set<Item> {
    let set = Set(list)
    guard set.count == list.count else { throw RuleValidation.invalid(field, "\(field) lists an item twice") }
    return set
}

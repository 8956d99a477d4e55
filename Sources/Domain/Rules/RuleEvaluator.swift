import Foundation

/// Tries a user's rules on one call, in order, first match wins (admin guide 9.6). Pure: the engine (on `delivered`)
/// and the explain endpoint both use it, so what explain says is what the server does.
public enum RuleEvaluator {
    /// Which condition stopped a rule.
    public enum Condition: String, Sendable, Equatable {
        case active, origin, presence, schedule, type
    }

    /// One rule as the evaluation met it.
    public struct Step: Sendable, Equatable {
        public var rule: ForwardingRule
        /// Nil when the rule fired.
        public var failed: Condition?
        public var reason: String
    }

    /// The result: the rule that fired (if any) and every rule tried, in order, up to and including it.
    public struct Evaluation: Sendable, Equatable {
        public var fired: ForwardingRule?
        public var steps: [Step]
    }

    /// Tries `rules` (already in the order they are tried) on `call`. Simple rules have no conditions: they match every
    /// call of their type (the caller decides whether the server or the PBX runs them).
    public static func evaluate(_ rules: [ForwardingRule], _ call: RuleCallContext) -> Evaluation {
        var steps: [Step] = []
        for rule in rules {
            if let (condition, reason) = failure(rule, call) {
                steps.append(Step(rule: rule, failed: condition, reason: reason))
                continue
            }
            steps.append(Step(rule: rule, failed: nil, reason: firedReason(rule, call)))
            return Evaluation(fired: rule, steps: steps)
        }
        return Evaluation(fired: nil, steps: steps)
    }

    /// The first condition of `rule` that `call` fails, with a sentence a user can read; nil when the rule applies.
    static func failure(_ rule: ForwardingRule, _ call: RuleCallContext) -> (Condition, String)? {
        guard rule.active else { return (.active, "The rule is not active") }
        if rule.action.type == .busy && !call.deviceBusy {
            return (.type, "A busy rule applies only while the device is in another call")
        }
        guard let conditions = rule.conditions else { return nil }
        if let origin = conditions.origin, !matches(origin, call) {
            return (.origin, "The caller \(call.callerNumber) is not \(describe(origin))")
        }
        if let presence = conditions.presence, !presence.isEmpty {
            let holds = presence.contains(call.presence) || (call.inCalendarEvent && presence.contains(.calendar))
            if !holds {
                let listed = presence.map(\.rawValue).sorted().joined(separator: ", ")
                return (.presence, "The user's presence is \(call.presence.rawValue)\(call.inCalendarEvent ? " (in a calendar event)" : ""), not \(listed)")
            }
        }
        if let schedule = conditions.schedule {
            let inside = isInside(schedule, at: call.time, in: call.timeZone)
            if inside == schedule.outside {
                return (.schedule, inside ? "The call comes inside the rule's hours and the rule applies outside them" : "The call comes outside the rule's hours")
            }
        }
        return nil
    }

    static func firedReason(_ rule: ForwardingRule, _ call: RuleCallContext) -> String {
        switch rule.action.type {
        case .immediate: "Every condition holds: the call is forwarded at once"
        case .busy: "Every condition holds and the device is in another call: the call is forwarded"
        case .noAnswer: "Every condition holds: the call is forwarded if it rings unanswered"
        }
    }

    /// Whether `origin` selects the caller (before `except` turns it round).
    static func matches(_ origin: RuleOrigin, _ call: RuleCallContext) -> Bool {
        let selected: Bool
        switch origin.match {
        case .all: selected = true
        case .internal: selected = call.callerIsInternal
        case .external: selected = !call.callerIsInternal
        case .numbers: selected = origin.numbers.contains { matches(pattern: $0, call.callerNumber) }
        case .directory: selected = origin.directoryId.map { call.callerDirectories.contains($0) } ?? false
        case .vip: selected = call.callerIsVip
        case .unknown: selected = call.callerDirectories.isEmpty
        }
        return selected != origin.except
    }

    /// A listed number matches exactly, or as a prefix when it ends with `*`.
    static func matches(pattern: String, _ number: String) -> Bool {
        if pattern.hasSuffix("*") { return number.hasPrefix(pattern.dropLast()) }
        return number == pattern
    }

    static func describe(_ origin: RuleOrigin) -> String {
        let base: String
        switch origin.match {
        case .all: base = "any caller"
        case .internal: base = "an internal caller"
        case .external: base = "an external caller"
        case .numbers: base = "one of the listed numbers"
        case .directory: base = "a contact of directory \(origin.directoryId.map(String.init) ?? "?")"
        case .vip: base = "a VIP"
        case .unknown: base = "an unknown caller"
        }
        return origin.except ? "anyone but \(base)" : base
    }

    /// Whether `time` falls inside `schedule` (days, ranges), in `timeZone`; never on an exception date.
    public static func isInside(_ schedule: RuleSchedule, at time: Date, in timeZone: TimeZone) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: time)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let weekday = parts.weekday else { return false }
        let date = String(format: "%04d-%02d-%02d", year, month, day)
        if schedule.exceptions.contains(date) { return false }
        // Calendar weekdays count from Sunday = 1.
        let days: [RuleSchedule.Weekday] = [.sunday, .monday, .tuesday, .wednesday, .thursday, .friday, .saturday]
        if let allowed = schedule.days, !allowed.contains(days[(weekday - 1) % 7]) { return false }
        guard let ranges = schedule.ranges, !ranges.isEmpty else { return true }
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        return ranges.contains { $0.contains(minute) }
    }
}

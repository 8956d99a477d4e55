import Foundation

/// The checks of a rule that need nothing stored (admin guide 9.1.8): its shape, and what the user's resolved
/// `AuthorizeSimpleRules` / `AuthorizedForward*` parameters allow. Pure, so every refusal is tested directly.
public enum RuleValidation {
    /// Which parameter allows each origin. The guide has only three origin parameters (9.1.8: all, internal, external);
    /// the finer origins are all callers from outside the user's numbering plan as far as the right goes, so listed
    /// numbers, a directory's contacts, VIPs and unknown callers need `AuthorizedForwardOriginExternal`.
    public static func originParameter(_ match: RuleOrigin.Match) -> String {
        switch match {
        case .all: "AuthorizedForwardOriginAll"
        case .internal: "AuthorizedForwardOriginInternal"
        case .external, .numbers, .directory, .vip, .unknown: "AuthorizedForwardOriginExternal"
        }
    }

    /// The parameter allowing each forward type.
    public static func typeParameter(_ type: ForwardingKind) -> String {
        switch type {
        case .immediate: "AuthorizedForwardTypeImmediate"
        case .busy: "AuthorizedForwardTypeBusy"
        case .noAnswer: "AuthorizedForwardTypeNoAnswer"
        }
    }

    /// The parameter allowing each presence condition (`…Absent` also answers to the guide's `…Asbsent`: the catalogue
    /// stores a value set under the alias under the canonical name, so it is checked here under that name).
    public static func presenceParameter(_ presence: RulePresence) -> String {
        switch presence {
        case .online: "AuthorizedForwardPresenceOnline"
        case .absent: "AuthorizedForwardPresenceAbsent"
        case .busy: "AuthorizedForwardPresenceBusy"
        case .offline: "AuthorizedForwardPresenceOffline"
        case .calendar: "AuthorizedForwardPresenceCalendar"
        }
    }

    /// 403 `rule_not_authorized` naming `parameter`.
    public static func notAuthorized(_ parameter: String, _ what: String) -> DomainError {
        var error = DomainError(.forbidden, code: "rule_not_authorized", "\(what) is not allowed for this user (\(parameter))")
        error.parameter = parameter
        return error
    }

    /// 422 `invalid_rule` at `field`.
    public static func invalid(_ field: String, _ message: String) -> DomainError {
        DomainError(.unprocessable, code: "invalid_rule", message, field: field)
    }

    /// Refuses any rule write without `AuthorizeSimpleRules` (a parameter is on unless set to `false`, as call control
    /// reads it).
    public static func requireRuleRight(_ parameters: [String: String]) throws(DomainError) {
        guard parameters["AuthorizeSimpleRules"] != "false" else { throw notAuthorized("AuthorizeSimpleRules", "Managing forwarding rules") }
    }

    /// Refuses what the user's `AuthorizedForward*` parameters do not allow: the forward type, the origin, each listed
    /// presence, in that order; the first refusal names its parameter.
    public static func authorize(_ input: RuleInput, _ parameters: [String: String]) throws(DomainError) {
        func allowed(_ name: String) -> Bool { parameters[name] != "false" }
        let type = typeParameter(input.action.type)
        guard allowed(type) else { throw notAuthorized(type, "A \(input.action.type.rawValue) forward") }
        if let origin = input.conditions?.origin {
            let name = originParameter(origin.match)
            guard allowed(name) else { throw notAuthorized(name, "A rule for \(origin.match.rawValue) callers") }
        }
        for presence in (input.conditions?.presence ?? []).sorted(by: { $0.rawValue < $1.rawValue }) {
            let name = presenceParameter(presence)
            guard allowed(name) else { throw notAuthorized(name, "A rule for the \(presence.rawValue) presence") }
        }
    }

    /// The rule's shape, as far as the contract's schema cannot say it (SOAP clients and the domain's own callers go
    /// through here too): returns the input with its name trimmed.
    public static func checkShape(_ input: RuleInput) throws(DomainError) -> RuleInput {
        var input = input
        input.name = try Check.name(input.name, field: "name")
        if let priority = input.priority, !(1...1000).contains(priority) {
            throw DomainError.invalid(field: "priority", "priority is 1 to 1000")
        }
        let destination = input.action.destination
        switch destination.kind {
        case .number:
            // Numbers are kept as typed (the dialing plan reads them), but one must hold a key to dial.
            guard let number = destination.number, number.unicodeScalars.count <= 64,
                number.unicodeScalars.contains(where: { $0.isASCIIDigit || $0 == "*" || $0 == "#" })
            else {
                throw DomainError.invalid(field: "forward.destination.number", "A number destination needs a number (1 to 64 characters, with digits)")
            }
        case .colleague:
            guard destination.userId != nil else { throw DomainError.invalid(field: "forward.destination.userId", "A colleague destination needs a userId") }
        case .voicemail: break
        }
        guard let conditions = input.conditions else { return input }
        // Admin guide 9.1.8: a simple rule is a type and a destination; conditions make it an advanced one (9.6).
        guard input.kind == .advanced else { throw DomainError.invalid(field: "conditions", "A simple rule has no conditions") }
        if let presence = conditions.presence, presence.isEmpty {
            throw invalid("conditions.presence", "presence lists at least one presence (absent: any)")
        }
        if let origin = conditions.origin {
            guard origin.numbers.count <= 50 else { throw invalid("conditions.origin.numbers", "An origin lists at most 50 numbers") }
            for number in origin.numbers where !isNumberOrPrefix(number) {
                throw invalid("conditions.origin.numbers", "\(number) is not a number or a prefix ending with * (digits and #, optional leading +)")
            }
            switch origin.match {
            case .numbers:
                guard !origin.numbers.isEmpty else { throw DomainError.invalid(field: "conditions.origin.numbers", "A numbers origin lists numbers") }
            case .directory:
                guard origin.directoryId != nil else {
                    throw DomainError.invalid(field: "conditions.origin.directoryId", "A directory origin names a directory")
                }
            default: break
            }
        }
        if let schedule = conditions.schedule {
            if let days = schedule.days, days.isEmpty {
                throw invalid("conditions.schedule.days", "days lists at least one day (absent: every day)")
            }
            if let ranges = schedule.ranges, !(1...10).contains(ranges.count) {
                throw invalid("conditions.schedule.ranges", "ranges lists 1 to 10 time ranges (absent: the whole day)")
            }
            guard schedule.exceptions.count <= 366 else { throw invalid("conditions.schedule.exceptions", "At most 366 exception dates") }
            for (index, range) in (schedule.ranges ?? []).enumerated() {
                guard (0..<1440).contains(range.from), (0...1440).contains(range.to), range.from != range.to else {
                    throw invalid("conditions.schedule.ranges[\(index)]", "A time range runs from 00:00-23:59 to a different time up to 24:00")
                }
            }
            for date in schedule.exceptions.sorted() where !isDate(date) {
                throw invalid("conditions.schedule.exceptions", "\(date) is not a date (yyyy-MM-dd)")
            }
        }
        return input
    }

    /// An origin's entry: a number, or a prefix when it ends with `*` (contract pattern `^\+?[0-9#]+\*?$`, 32 at most).
    static func isNumberOrPrefix(_ text: String) -> Bool {
        var body = text.unicodeScalars[...]
        if body.first == "+" { body = body.dropFirst() }
        if body.last == "*" { body = body.dropLast() }
        return text.unicodeScalars.count <= 32 && !body.isEmpty && body.allSatisfy { $0.isASCIIDigit || $0 == "#" }
    }

    /// A call to explain: the caller's number as the contract writes it, and a device number if one is named.
    public static func checkTest(_ request: RuleTest) throws(DomainError) {
        // 32 characters in all, the leading `+` included (the contract's maxLength).
        guard request.callerNumber.unicodeScalars.count <= 32 else { throw DomainError.invalid(field: "callerNumber", "callerNumber takes at most 32 characters") }
        _ = try Check.number(request.callerNumber, field: "callerNumber")
        if let device = request.device, device.isEmpty || device.unicodeScalars.count > 32 {
            throw DomainError.invalid(field: "device", "device is a device number of 1 to 32 characters")
        }
    }

    /// `HH:MM` as minutes after midnight, or 422 `invalid_rule` at `field` (the endpoints' mappings read times here).
    public static func minutes(_ text: String, field: String) throws(DomainError) -> Int {
        guard let minutes = RuleTimeRange.minutes(text) else { throw invalid(field, "\(text) is not a time (HH:MM, 00:00 to 24:00)") }
        return minutes
    }

    /// Whether `text` is a real calendar date written `yyyy-MM-dd` (2026-02-30 is not).
    public static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month), day >= 1
        else { return false }
        return day <= daysIn(month: month, year: year)
    }

    /// Days in `month` (1…12) of `year`, proleptic Gregorian (also what request date-times are read with).
    public static func daysIn(month: Int, year: Int) -> Int {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// `rules` renumbered 1…n in their order (only the priorities change).
    public static func renumbered(_ rules: [ForwardingRule]) -> [ForwardingRule] {
        rules.enumerated().map { index, rule in
            var rule = rule
            rule.priority = index + 1
            return rule
        }
    }

    /// `rule` placed among `siblings` (its owner's other rules of the same imposition, in order, without it) at
    /// `priority` (1 first; past the end or nil: last), everything renumbered 1…n.
    public static func placed(_ rule: ForwardingRule, at priority: Int?, among siblings: [ForwardingRule]) -> [ForwardingRule] {
        var ordered = siblings.filter { $0.id == nil || $0.id != rule.id }
        let index = min(max((priority ?? Int.max) - 1, 0), ordered.count)
        ordered.insert(rule, at: index)
        return renumbered(ordered)
    }

    /// `rules` in the order `ids` gives; 422 unless `ids` names each of them exactly once.
    public static func reordered(_ rules: [ForwardingRule], by ids: [Int64]) throws(DomainError) -> [ForwardingRule] {
        let byId = Dictionary(rules.compactMap { rule in rule.id.map { ($0, rule) } }, uniquingKeysWith: { first, _ in first })
        guard ids.count == rules.count, Set(ids).count == ids.count, Set(ids) == Set(byId.keys) else {
            throw DomainError(.unprocessable, code: "invalid_rule_order", "ruleIds must list each of the user's own rules exactly once", field: "ruleIds")
        }
        return renumbered(ids.compactMap { byId[$0] })
    }
}

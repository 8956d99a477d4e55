import Foundation

/// A stored forwarding rule (admin guide 9.1.8 simple rules, 9.6 TWS Rules advanced rules).
///
/// A rule belongs to one user (their own, or imposed on them by an administrator) or is imposed on a user group (every
/// member). Simple rules are a type and a destination, applied in the PBX while active unless `CreateOnlyRUL` makes the
/// server run them; advanced rules add conditions and are always run by the server.
public struct ForwardingRule: CompanyScoped, Codable, Sendable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    /// The user whose rule it is (their own, or imposed on them alone); nil for a rule imposed on a group.
    public var userId: Int64?
    /// The user group a rule is imposed on (every member); nil for a user's rule.
    public var groupId: Int64?
    /// Set by an administrator: its users see it and cannot change it.
    public var imposed: Bool
    public var name: String
    public var kind: RuleKind
    public var active: Bool
    /// Position among the rules of the same owner and imposition (1 is tried first).
    public var priority: Int
    public var source: RuleSource
    public var action: RuleAction
    /// Conditions of an advanced rule (nil for simple rules).
    public var conditions: RuleConditions?
    public var updatedAt: Date

    public init(
        id: Int64? = nil,
        companyId: Int64,
        domainId: Int64,
        owner: RuleOwner,
        imposed: Bool,
        name: String,
        kind: RuleKind,
        active: Bool,
        priority: Int,
        source: RuleSource,
        action: RuleAction,
        conditions: RuleConditions? = nil,
        updatedAt: Date
    ) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        switch owner {
        case .user(let id): (userId, groupId) = (id, nil)
        case .group(let id): (userId, groupId) = (nil, id)
        }
        self.imposed = imposed
        self.name = name
        self.kind = kind
        self.active = active
        self.priority = priority
        self.source = source
        self.action = action
        self.conditions = conditions
        self.updatedAt = updatedAt
    }
}

extension ForwardingRule {
    /// Whose rule it is.
    public var owner: RuleOwner {
        if let groupId { return .group(groupId) }
        return .user(userId ?? 0)
    }
}

/// Whose rule it is.
public enum RuleOwner: Codable, Sendable, Hashable {
    case user(Int64)
    /// Imposed on every member of a user group.
    case group(Int64)
}

public enum RuleKind: String, Codable, Sendable, CaseIterable {
    case simple
    case advanced
}

/// Who made a rule.
public enum RuleSource: String, Codable, Sendable, CaseIterable {
    case user
    /// A forward set on the telephone that the server took in (`DisplaySimpleRules`).
    case telephone
    case administrator
}

/// What a rule does: forward at once, when the device is already in a call, or after ringing unanswered.
public struct RuleAction: Codable, Sendable, Hashable {
    public var type: ForwardingKind
    public var destination: RuleDestination

    public init(type: ForwardingKind, destination: RuleDestination) {
        self.type = type
        self.destination = destination
    }
}

/// Where a rule sends calls.
public struct RuleDestination: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Any number, through the dialing plan when the rule runs.
        case number
        /// A user of the same company: their first device (whose own rules are then followed).
        case colleague
        /// The rule's user's `vmNumber` parameter, read when the rule runs.
        case voicemail
    }

    public var kind: Kind
    /// For `number`.
    public var number: String?
    /// For `colleague`.
    public var userId: Int64?

    public init(kind: Kind, number: String? = nil, userId: Int64? = nil) {
        self.kind = kind
        self.number = number
        self.userId = userId
    }

    public static func number(_ number: String) -> RuleDestination { RuleDestination(kind: .number, number: number) }
    public static func colleague(userId: Int64) -> RuleDestination { RuleDestination(kind: .colleague, userId: userId) }
    public static let voicemail = RuleDestination(kind: .voicemail)
}

/// The conditions of an advanced rule; each present one must hold.
public struct RuleConditions: Codable, Sendable, Hashable {
    public var origin: RuleOrigin?
    /// Holds when the user's presence is any of these.
    public var presence: Set<RulePresence>?
    public var schedule: RuleSchedule?

    public init(origin: RuleOrigin? = nil, presence: Set<RulePresence>? = nil, schedule: RuleSchedule? = nil) {
        self.origin = origin
        self.presence = presence
        self.schedule = schedule
    }
}

/// Which callers an advanced rule is for (`AuthorizedForwardOrigin*`).
public struct RuleOrigin: Codable, Sendable, Hashable {
    public enum Match: String, Codable, Sendable, CaseIterable {
        case all, `internal`, external, numbers, directory, vip, unknown
    }

    public var match: Match
    /// For `numbers`: exact numbers, or prefixes when they end with `*`.
    public var numbers: [String]
    /// For `directory`: a contact of this directory.
    public var directoryId: Int64?
    /// Every caller but those matched.
    public var except: Bool

    public init(match: Match, numbers: [String] = [], directoryId: Int64? = nil, except: Bool = false) {
        self.match = match
        self.numbers = numbers
        self.directoryId = directoryId
        self.except = except
    }
}

/// The user's presence as rules see it (`AuthorizedForwardPresence*`).
public enum RulePresence: String, Codable, Sendable, CaseIterable {
    case online, absent, busy, offline
    /// In a calendar event (issue 21: the user's calendar as the calendar connection of their domain reads it).
    case calendar

    /// The rules' view of a TWS status: available → online, away → absent, busy and do-not-disturb → busy.
    public init(_ status: UserPresenceStatus) {
        switch status {
        case .available: self = .online
        case .away: self = .absent
        case .busy, .doNotDisturb: self = .busy
        case .offline: self = .offline
        }
    }
}

/// A weekly schedule in the domain's time zone, with exception dates (holidays) on which it does not hold at all.
public struct RuleSchedule: Codable, Sendable, Hashable {
    public enum Weekday: String, Codable, Sendable, CaseIterable {
        case monday, tuesday, wednesday, thursday, friday, saturday, sunday
    }

    /// The days it holds on; nil is every day.
    public var days: Set<Weekday>?
    /// The times it holds at on those days; nil is the whole day.
    public var ranges: [RuleTimeRange]?
    /// The rule applies outside the schedule (out-of-hours rules) rather than inside.
    public var outside: Bool
    /// Dates (`yyyy-MM-dd`, in the domain's time zone) on which the schedule does not hold.
    public var exceptions: Set<String>

    public init(days: Set<Weekday>? = nil, ranges: [RuleTimeRange]? = nil, outside: Bool = false, exceptions: Set<String> = []) {
        self.days = days
        self.ranges = ranges
        self.outside = outside
        self.exceptions = exceptions
    }
}

/// From `from` (included) to `to` (excluded), in minutes after midnight; `to` may be 1440 (24:00). A range whose end is
/// before its start runs over midnight.
public struct RuleTimeRange: Codable, Sendable, Hashable {
    public var from: Int
    public var to: Int

    public init(from: Int, to: Int) {
        self.from = from
        self.to = to
    }

    /// Parses `HH:MM` (and `24:00`) into minutes after midnight.
    public static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]) else { return nil }
        guard (0...23).contains(hours) && (0...59).contains(minutes) || hours == 24 && minutes == 0 else { return nil }
        return hours * 60 + minutes
    }

    /// `HH:MM` of minutes after midnight.
    public static func text(_ minutes: Int) -> String {
        let hours = minutes / 60
        let rest = minutes % 60
        return (hours < 10 ? "0" : "") + String(hours) + ":" + (rest < 10 ? "0" : "") + String(rest)
    }

    func contains(_ minute: Int) -> Bool {
        from <= to ? (from <= minute && minute < to) : (minute >= from || minute < to)
    }
}

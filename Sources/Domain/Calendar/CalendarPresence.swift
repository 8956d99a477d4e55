import Foundation

/// A user's calendar state as one viewer may see it (issue 21, admin guide 9.1.3): free, busy in an event until its
/// end (with its subject when `DisplayCalendarSummary` lets the viewer see it), or unknown.
public struct CalendarPresence: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable, CaseIterable {
        case free, busy, unknown
    }

    /// Why a state is unknown.
    public enum Reason: String, Codable, Sendable, CaseIterable {
        /// The user's domain has no (enabled) calendar connection.
        case notConfigured = "not_configured"
        /// The user has no e-mail (or login) the connection's template needs.
        case unmapped
        /// The calendar server could not be read (down, refused, no such calendar).
        case unreachable
        /// Not read yet since the connection was set or the server started.
        case pending
    }

    public var userId: Int64
    public var state: State
    /// Busy: when the current event ends.
    public var until: Date?
    /// Busy: the event's subject, when the viewer may see it.
    public var subject: String?
    /// Busy in a private (or confidential) event; shown only where the owner's `DisplayCalendarPrivate` allows it.
    public var isPrivate: Bool?
    /// Busy in a whole-day event.
    public var allDay: Bool?
    /// Unknown: why.
    public var reason: Reason?

    public init(
        userId: Int64,
        state: State,
        until: Date? = nil,
        subject: String? = nil,
        isPrivate: Bool? = nil,
        allDay: Bool? = nil,
        reason: Reason? = nil
    ) {
        self.userId = userId
        self.state = state
        self.until = until
        self.subject = subject
        self.isPrivate = isPrivate
        self.allDay = allDay
        self.reason = reason
    }
}

/// What the refresher last learnt of one user's calendar.
public enum CalendarReading: Sendable, Equatable {
    case pending
    case unmapped
    case failed(CalendarReadError.Kind)
    case read([CalendarOccurrence])

    /// The user's presence at `time` as a viewer sees it: private events left out unless `showsPrivate` (the owner's
    /// `DisplayCalendarPrivate`, or the owner themself), the subject only when `showsSummary`.
    public func presence(userId: Int64, at time: Date, showsSummary: Bool, showsPrivate: Bool) -> CalendarPresence {
        switch self {
        case .pending: return CalendarPresence(userId: userId, state: .unknown, reason: .pending)
        case .unmapped: return CalendarPresence(userId: userId, state: .unknown, reason: .unmapped)
        case .failed: return CalendarPresence(userId: userId, state: .unknown, reason: .unreachable)
        case .read(let occurrences):
            // The event begun last is the one the user is in; of two begun together, the one ending first.
            let current = occurrences.filter { $0.covers(time) && (showsPrivate || !$0.isPrivate) }
                .min { ($1.start, $0.end) < ($0.start, $1.end) }
            guard let event = current else { return CalendarPresence(userId: userId, state: .free) }
            return CalendarPresence(
                userId: userId,
                state: .busy,
                until: event.end,
                subject: showsSummary && !event.summary.isEmpty ? event.summary : nil,
                isPrivate: event.isPrivate,
                allDay: event.allDay
            )
        }
    }

    /// Whether the user is in an event at `time`, private ones included (what the rules' calendar condition asks).
    public func busy(at time: Date) -> Bool {
        guard case .read(let occurrences) = self else { return false }
        return occurrences.contains { $0.covers(time) }
    }

    /// The first moment after `time` at which an event begins or ends.
    public func nextChange(after time: Date) -> Date? {
        guard case .read(let occurrences) = self else { return nil }
        return occurrences.flatMap { [$0.start, $0.end] }.filter { $0 > time }.min()
    }
}

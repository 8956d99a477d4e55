import Foundation

/// One busy stretch of a user's calendar as the connector read it: an event, or one instance of a recurring event,
/// expanded within the window read (issue 21). Free time (`TRANSP:TRANSPARENT`) and cancelled events are never
/// occurrences: they do not make anyone busy.
public struct CalendarOccurrence: Sendable, Equatable, Hashable, Codable {
    public var start: Date
    public var end: Date
    /// The event's SUMMARY (may be empty).
    public var summary: String
    /// `CLASS:PRIVATE` or `CLASS:CONFIDENTIAL`: shown to others only as `DisplayCalendarPrivate` allows.
    public var isPrivate: Bool
    /// A whole-day event (DTSTART of VALUE=DATE), from midnight to midnight in the connection's time zone.
    public var allDay: Bool

    public init(start: Date, end: Date, summary: String, isPrivate: Bool = false, allDay: Bool = false) {
        self.start = start
        self.end = end
        self.summary = summary
        self.isPrivate = isPrivate
        self.allDay = allDay
    }

    /// Whether the event is going on at `time` (start included, end excluded, as RFC 5545 periods are).
    public func covers(_ time: Date) -> Bool { start <= time && time < end }
}

/// The window of time a calendar is read for: events overlapping it are answered.
public struct CalendarWindow: Sendable, Equatable {
    public var start: Date
    public var end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }

    /// From an hour ago to twelve hours ahead of `time`: what presence needs until the next reads.
    public static func around(_ time: Date, before: TimeInterval = 3600, after: TimeInterval = 12 * 3600) -> CalendarWindow {
        CalendarWindow(start: time.addingTimeInterval(-before), end: time.addingTimeInterval(after))
    }
}

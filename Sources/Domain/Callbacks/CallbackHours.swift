import Foundation

/// A callback group's business hours: weekly openings and closed dates, read in the domain's time zone.
public struct CallbackHours: Codable, Sendable, Equatable {
    /// One weekly opening: on these days, from `from` to `to` (minutes since midnight; `to` up to 1440).
    public struct Opening: Codable, Sendable, Equatable {
        /// 1 = Monday … 7 = Sunday (ISO 8601).
        public var days: [Int]
        public var from: Int
        public var to: Int

        public init(days: [Int], from: Int, to: Int) {
            self.days = days
            self.from = from
            self.to = to
        }
    }

    /// Empty: always open.
    public var openings: [Opening]
    /// `YYYY-MM-DD` days closed whatever the openings say.
    public var closedDates: [String]

    public init(openings: [Opening], closedDates: [String] = []) {
        self.openings = openings
        self.closedDates = closedDates
    }

    /// What a new group gets: Monday to Friday, 09:00 to 18:00.
    public static let officeHours = CallbackHours(openings: [Opening(days: [1, 2, 3, 4, 5], from: 9 * 60, to: 18 * 60)])
    public static let always = CallbackHours(openings: [])

    func validated() throws(DomainError) -> CallbackHours {
        guard openings.count <= 50 else { throw .invalid(field: "hours", "At most 50 openings") }
        for (index, opening) in openings.enumerated() {
            guard !opening.days.isEmpty, opening.days.allSatisfy({ (1...7).contains($0) }) else {
                throw .invalid(field: "hours[\(index)].days", "Days are mon to sun")
            }
            guard (0..<1440).contains(opening.from), (1...1440).contains(opening.to), opening.to > opening.from else {
                throw DomainError(.unprocessable, code: "invalid_opening", "An opening ends after it starts, the same day", field: "hours[\(index)].to")
            }
        }
        guard closedDates.count <= 366 else { throw .invalid(field: "closedDates", "At most 366 dates") }
        for (index, date) in closedDates.enumerated() where Self.day(date) == nil {
            throw .invalid(field: "closedDates[\(index)]", "A date is YYYY-MM-DD")
        }
        var hours = self
        hours.closedDates = Array(Set(closedDates)).sorted()
        return hours
    }

    /// Whether a call may start at `time`.
    public func isOpen(at time: Date, zone: TimeZone) -> Bool {
        let calendar = Self.calendar(zone)
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: time)
        guard !isClosedDay(parts) else { return false }
        if openings.isEmpty { return true }
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        let day = Self.isoWeekday(parts.weekday ?? 1)
        return openings.contains { $0.days.contains(day) && minute >= $0.from && minute < $0.to }
    }

    /// The first time at or after `time` when a call may start; nil when no opening comes within a year (every day
    /// closed).
    public func nextOpening(after time: Date, zone: TimeZone) -> Date? {
        if isOpen(at: time, zone: zone) { return time }
        let calendar = Self.calendar(zone)
        var dayStart = calendar.startOfDay(for: time)
        for _ in 0..<370 {
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: dayStart)
            if !isClosedDay(parts) {
                let day = Self.isoWeekday(parts.weekday ?? 1)
                let starts = openings.filter { $0.days.contains(day) }.map(\.from).sorted()
                for start in starts {
                    // Through the calendar, so a day that changes its UTC offset still opens at its local time.
                    guard let candidate = calendar.date(bySettingHour: start / 60, minute: start % 60, second: 0, of: dayStart) else { continue }
                    if candidate >= time { return candidate }
                }
            }
            guard let next = calendar.date(byAdding: .day, value: 1, to: dayStart) else { return nil }
            dayStart = next
        }
        return nil
    }

    private func isClosedDay(_ parts: DateComponents) -> Bool {
        guard !closedDates.isEmpty, let year = parts.year, let month = parts.month, let day = parts.day else { return false }
        return closedDates.contains(String(format: "%04d-%02d-%02d", year, month, day))
    }

    static func calendar(_ zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }

    /// Foundation's weekday (1 = Sunday) as ISO's (1 = Monday).
    static func isoWeekday(_ weekday: Int) -> Int { weekday == 1 ? 7 : weekday - 1 }

    /// `YYYY-MM-DD` as its parts, nil for another shape or an impossible date.
    static func day(_ text: String) -> (Int, Int, Int)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var components = DateComponents(year: year, month: month, day: day)
        components.calendar = calendar(TimeZone(identifier: "UTC")!)
        guard components.isValidDate else { return nil }
        return (year, month, day)
    }
}

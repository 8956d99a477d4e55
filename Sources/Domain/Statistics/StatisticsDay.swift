import Foundation

/// A calendar day written `yyyy-MM-dd`, in the time zone of the domain whose user it counts for: how statistics are
/// bucketed by day, asked for, and pruned. Its text sorts as the days do.
public struct StatisticsDay: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Nil for another shape or an impossible date (2026-02-30).
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var components = DateComponents(year: year, month: month, day: day)
        components.calendar = Self.utc
        guard components.isValidDate else { return nil }
        (self.year, self.month, self.day) = (year, month, day)
    }

    /// The day `time` falls on in `zone`.
    public init(_ time: Date, in zone: TimeZone) {
        var calendar = Self.utc
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: time)
        (year, month, day) = (parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
    }

    private init(utcMidnight: Date) {
        self.init(utcMidnight, in: TimeZone(identifier: "UTC")!)
    }

    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }

    /// The day `count` days later (earlier when negative).
    public func adding(days count: Int) -> StatisticsDay {
        StatisticsDay(utcMidnight: utcMidnight.addingTimeInterval(Double(count) * 86_400))
    }

    /// Days from `self` to `other` (positive when `other` is later).
    public func days(to other: StatisticsDay) -> Int {
        Int((other.utcMidnight.timeIntervalSince(utcMidnight) / 86_400).rounded())
    }

    /// The instant this day starts in `zone` (its first local hour, even on a DST change day).
    public func start(in zone: TimeZone) -> Date {
        var calendar = Self.utc
        calendar.timeZone = zone
        return calendar.startOfDay(for: calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12)) ?? utcMidnight)
    }

    private var utcMidnight: Date { Self.utc.date(from: DateComponents(year: year, month: month, day: day)) ?? Date(timeIntervalSince1970: 0) }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    public static func < (a: StatisticsDay, b: StatisticsDay) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = StatisticsDay(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(text) is not a day"))
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

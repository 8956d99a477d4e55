import Foundation

/// One user's figures for one hour of their domain's local time: the row statistics are kept in. `hourStart` is the
/// instant the local hour began, so the two 02:00 hours of a night that turns the clocks back stay apart, and a day
/// that skips 02:00 has no such hour.
public struct StatisticsHour: Sendable, Equatable, Codable {
    public var companyId: Int64
    public var domainId: Int64
    public var userId: Int64
    /// The local day the hour belongs to.
    public var day: StatisticsDay
    /// The local hour of the day, 0 to 23.
    public var hour: Int
    public var hourStart: Date
    public var figures: CallFigures

    public init(companyId: Int64, domainId: Int64, userId: Int64, day: StatisticsDay, hour: Int, hourStart: Date, figures: CallFigures) {
        self.companyId = companyId
        self.domainId = domainId
        self.userId = userId
        self.day = day
        self.hour = hour
        self.hourStart = hourStart
        self.figures = figures
    }

    /// The hours call-log lines add to, one per user and local hour the calls started in (`zone`: the domain's),
    /// each with the sum of its calls' figures; ordered by user, then time.
    public static func tally(_ lines: [CallLogEntry], zone: TimeZone) -> [StatisticsHour] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var hours: [String: StatisticsHour] = [:]
        for line in lines {
            // The local hour's start: the start time less its minutes and seconds (every zone's offset today is whole
            // hours or half hours; the hour is read in the zone, so a half-hour zone's hour starts at its :00).
            let minutes = calendar.dateComponents([.minute, .second, .nanosecond], from: line.startedAt)
            let offset = Double((minutes.minute ?? 0) * 60 + (minutes.second ?? 0)) + Double(minutes.nanosecond ?? 0) / 1e9
            let hourStart = line.startedAt.addingTimeInterval(-offset)
            let key = "\(line.userId)|\(Int64(hourStart.timeIntervalSince1970.rounded()))"
            if hours[key] == nil {
                hours[key] = StatisticsHour(
                    companyId: line.companyId,
                    domainId: line.domainId,
                    userId: line.userId,
                    day: StatisticsDay(line.startedAt, in: zone),
                    hour: calendar.component(.hour, from: line.startedAt),
                    hourStart: Date(timeIntervalSince1970: hourStart.timeIntervalSince1970.rounded()),
                    figures: .zero
                )
            }
            hours[key]?.figures += CallFigures(line)
        }
        return hours.values.sorted { ($0.userId, $0.hourStart) < ($1.userId, $1.hourStart) }
    }
}

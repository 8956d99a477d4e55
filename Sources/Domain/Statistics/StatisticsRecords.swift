import Foundation

/// Where per-user, per-hour call statistics are kept (Storage implements it; Domain tests use an in-memory one).
public protocol StatisticsRecords {
    /// Adds each hour's figures to the stored ones of the same user and hour (a new row when there is none).
    func addStatistics(_ hours: [StatisticsHour]) throws
    /// The stored hours of these users whose local day is within `days`, ordered by user, then time.
    func statisticsHours(userIds: [Int64], days: ClosedRange<StatisticsDay>) throws -> [StatisticsHour]
    /// As `statisticsHours`, summed per user and local day (`hour` 0, `hourStart` the first stored hour of the day).
    func statisticsDays(userIds: [Int64], days: ClosedRange<StatisticsDay>) throws -> [StatisticsHour]
    /// Deletes a domain's hours of days before `day`; answers how many.
    func deleteStatistics(domainId: Int64, before day: StatisticsDay) throws -> Int
}

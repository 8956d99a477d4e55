import Foundation

/// Statistics as answered: per user, and summed over those users, for each bucket that saw calls.
public struct StatisticsReport: Sendable, Equatable {
    public var granularity: StatisticsGranularity
    public var from: StatisticsDay
    public var to: StatisticsDay
    /// The time zone whose days and hours the buckets are: the domain of the user, or of the group.
    public var timeZone: String
    /// The group asked for, if any.
    public var groupId: Int64?
    /// Everything below, summed.
    public var total: CallFigures
    /// The users' buckets summed per bucket, in time order; buckets without calls are left out.
    public var buckets: [StatisticsBucket]
    /// One entry per user reported, by user name.
    public var users: [UserStatistics]
}

/// The figures of one day or one local hour.
public struct StatisticsBucket: Sendable, Equatable {
    public var day: StatisticsDay
    /// The local hour (0 to 23) for hourly statistics; nil by day.
    public var hour: Int?
    /// When the bucket began.
    public var start: Date
    public var figures: CallFigures

    public init(day: StatisticsDay, hour: Int?, start: Date, figures: CallFigures) {
        self.day = day
        self.hour = hour
        self.start = start
        self.figures = figures
    }
}

/// One user's statistics.
public struct UserStatistics: Sendable, Equatable {
    public var userId: Int64
    public var username: String
    public var firstName: String
    public var lastName: String
    public var total: CallFigures
    public var buckets: [StatisticsBucket]
}

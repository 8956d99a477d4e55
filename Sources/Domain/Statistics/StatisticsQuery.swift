/// How finely statistics are reported.
public enum StatisticsGranularity: String, Sendable, CaseIterable, Codable {
    case day, hour

    /// The longest range one request may cover, in days: a year by day, a month by hour (at most 744 buckets per user,
    /// about the 366 of a year by day plus what a month's chart needs).
    public var maxDays: Int {
        switch self {
        case .day: 366
        case .hour: 31
        }
    }
}

/// A request for statistics: whose (the caller, another user, or a group's users the caller may see), which local days
/// (both included), and how finely.
public struct StatisticsQuery: Sendable, Equatable {
    public enum Subject: Sendable, Equatable {
        /// A user; nil for the caller.
        case user(Int64?)
        case group(Int64)
    }

    public var subject: Subject
    public var days: ClosedRange<StatisticsDay>
    public var granularity: StatisticsGranularity

    /// Checks the range: real days (400 `invalid_field`), `from` not after `to` (422 `statistics_range_reversed`), and no
    /// longer than the granularity allows (422 `statistics_range_too_long`); a user and a group together answer 422
    /// `statistics_user_or_group`. (Relations between parameters that no schema states: 422, as the project answers
    /// every such meaning.)
    public init(userId: Int64?, groupId: Int64?, from: String, to: String, granularity: StatisticsGranularity) throws(DomainError) {
        guard let first = StatisticsDay(from) else { throw .invalid(field: "from", "\(from.prefix(40)) is not a day (yyyy-MM-dd)") }
        guard let last = StatisticsDay(to) else { throw .invalid(field: "to", "\(to.prefix(40)) is not a day (yyyy-MM-dd)") }
        guard first <= last else {
            throw DomainError(.unprocessable, code: "statistics_range_reversed", "from (\(first)) is after to (\(last))", field: "from")
        }
        let length = first.days(to: last) + 1
        guard length <= granularity.maxDays else {
            throw DomainError(
                .unprocessable,
                code: "statistics_range_too_long",
                "\(length) days by \(granularity.rawValue): at most \(granularity.maxDays) days may be asked at once",
                field: "to"
            )
        }
        switch (userId, groupId) {
        case (let userId, nil): subject = .user(userId)
        case (nil, let groupId?): subject = .group(groupId)
        case (_?, _?):
            throw DomainError(.unprocessable, code: "statistics_user_or_group", "Name a user or a group, not both", field: "groupId")
        }
        days = first...last
        self.granularity = granularity
    }
}

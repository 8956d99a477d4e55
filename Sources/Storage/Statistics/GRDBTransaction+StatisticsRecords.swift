import Domain
import Foundation
import GRDB

extension GRDBTransaction: StatisticsRecords {
    /// The figure columns of `call_statistics`, in `CallFigures` order.
    private static let figureColumns = ["incoming", "outgoing", "missed", "answered", "outgoingConnected", "talkSeconds", "answerWaitSeconds"]

    public func addStatistics(_ hours: [StatisticsHour]) throws {
        let figures = Self.figureColumns.joined(separator: ", ")
        let sums = Self.figureColumns.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", ")
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO call_statistics (userId, day, hourStart, hour, companyId, domainId, \(figures))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (userId, day, hourStart) DO UPDATE SET \(sums)
                """
        )
        for h in hours {
            let f = h.figures
            try translate {
                try statement.execute(arguments: [
                    h.userId, h.day.description, Int64(h.hourStart.timeIntervalSince1970.rounded()), h.hour, h.companyId, h.domainId,
                    f.incoming, f.outgoing, f.missed, f.answered, f.outgoingConnected, f.talkSeconds, f.answerWaitSeconds,
                ])
            }
        }
    }

    public func statisticsHours(userIds: [Int64], days: ClosedRange<StatisticsDay>) throws -> [StatisticsHour] {
        try statistics(userIds: userIds, days: days, sql: Self.hoursSQL)
    }

    public func statisticsDays(userIds: [Int64], days: ClosedRange<StatisticsDay>) throws -> [StatisticsHour] {
        try statistics(userIds: userIds, days: days, sql: Self.daysSQL)
    }

    /// The rows of `sql` (by hour or by day, for so many users) for the users, a chunk at a time, over `days`.
    private func statistics(userIds: [Int64], days: ClosedRange<StatisticsDay>, sql: (Int) -> String) throws -> [StatisticsHour] {
        try chunked(userIds) { ids in
            try Row.fetchAll(
                db,
                sql: sql(ids.count),
                arguments: StatementArguments(
                    ids.map { $0 as (any DatabaseValueConvertible) } + [days.lowerBound.description, days.upperBound.description]
                )
            ).compactMap(Self.hour)
        }
    }

    public func deleteStatistics(domainId: Int64, before day: StatisticsDay) throws -> Int {
        try db.execute(sql: "DELETE FROM call_statistics WHERE domainId = ? AND day < ?", arguments: [domainId, day.description])
        return db.changesCount
    }

    /// The hours of `users` users in a day range. Index-backed: the primary key (userId, day, hourStart) is searched
    /// by user and day range and read in its own order (StatisticsRecordsTests checks the plan).
    static func hoursSQL(users: Int) -> String {
        """
        SELECT userId, day, hourStart, hour, companyId, domainId, \(figureColumns.joined(separator: ", "))
        FROM call_statistics WHERE userId IN (\(placeholders(users))) AND day BETWEEN ? AND ?
        ORDER BY userId, day, hourStart
        """
    }

    /// The same range summed per user and day, grouped in the key's order (no temporary B-tree).
    static func daysSQL(users: Int) -> String {
        """
        SELECT userId, day, MIN(hourStart), 0, MIN(companyId), MIN(domainId), \(figureColumns.map { "SUM(\($0))" }.joined(separator: ", "))
        FROM call_statistics WHERE userId IN (\(placeholders(users))) AND day BETWEEN ? AND ?
        GROUP BY userId, day ORDER BY userId, day
        """
    }

    /// Runs `body` on slices of at most 500 ids (well under SQLite's bound-parameter limit), in order.
    private func chunked(_ ids: [Int64], _ body: ([Int64]) throws -> [StatisticsHour]) throws -> [StatisticsHour] {
        let sorted = Array(Set(ids)).sorted()
        var result: [StatisticsHour] = []
        var start = 0
        while start < sorted.count {
            let end = min(start + 500, sorted.count)
            result += try body(Array(sorted[start..<end]))
            start = end
        }
        return result
    }

    private static func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }

    /// A row selected in the column order above; nil for a day that is not one (never written by this server).
    private static func hour(_ row: Row) -> StatisticsHour? {
        guard let day = StatisticsDay(row[1] as String) else { return nil }
        return StatisticsHour(
            companyId: row[4],
            domainId: row[5],
            userId: row[0],
            day: day,
            hour: row[3],
            hourStart: Date(timeIntervalSince1970: Double(row[2] as Int64)),
            figures: CallFigures(
                incoming: row[6],
                outgoing: row[7],
                missed: row[8],
                answered: row[9],
                outgoingConnected: row[10],
                talkSeconds: row[11],
                answerWaitSeconds: row[12]
            )
        )
    }
}

import Domain
import Foundation

// Keys, filters and orders as in Storage's GRDBTransaction+StatisticsRecords.swift (table call_statistics, v17).

/// A statistics hour as a row: the in-memory tables need a row id, which SQLite's WITHOUT ROWID table does without.
struct StatisticsHourRow: MemoryRecord {
    var id: Int64?
    var hour: StatisticsHour
    static let schema = TableSchema<StatisticsHourRow>(
        name: "call_statistics",
        unique: [
            UniqueKey(["userId", "day", "hourStart"]) {
                [.integer($0.hour.userId), .binary($0.hour.day.description), .integer(Int64($0.hour.hourStart.timeIntervalSince1970))]
            }
        ],
        references: [.cascade("userId", to: "user") { $0.hour.userId }]
    )
}

extension InMemoryTransaction: StatisticsRecords {
    func addStatistics(_ hours: [StatisticsHour]) throws {
        for hour in hours {
            let start = Int64(hour.hourStart.timeIntervalSince1970.rounded())
            var stored = hour
            stored.hourStart = Date(timeIntervalSince1970: Double(start))
            if var row = rows(StatisticsHourRow.self).first(where: {
                $0.hour.userId == hour.userId && $0.hour.day == hour.day && Int64($0.hour.hourStart.timeIntervalSince1970) == start
            }) {
                row.hour.figures += hour.figures
                try updated(row)
            } else {
                _ = try inserted(StatisticsHourRow(hour: stored))
            }
        }
    }

    func statisticsHours(userIds: [Int64], days: ClosedRange<StatisticsDay>) throws -> [StatisticsHour] {
        let users = Set(userIds)
        return rows(StatisticsHourRow.self).map(\.hour).filter { users.contains($0.userId) && days.contains($0.day) }
            .sorted { ($0.userId, $0.day, $0.hourStart) < ($1.userId, $1.day, $1.hourStart) }
    }

    func statisticsDays(userIds: [Int64], days: ClosedRange<StatisticsDay>) throws -> [StatisticsHour] {
        var result: [StatisticsHour] = []
        for hour in try statisticsHours(userIds: userIds, days: days) {
            if let last = result.last, last.userId == hour.userId, last.day == hour.day {
                result[result.count - 1].figures += hour.figures
            } else {
                var first = hour
                first.hour = 0
                result.append(first)
            }
        }
        return result
    }

    func deleteStatistics(domainId: Int64, before day: StatisticsDay) throws -> Int {
        let old = rows(StatisticsHourRow.self).filter { $0.hour.domainId == domainId && $0.hour.day < day }
        for row in old { _ = try deleted(StatisticsHourRow.self, id: row.id ?? 0) }
        return old.count
    }
}

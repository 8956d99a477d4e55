import Domain
import Foundation
import GRDB
import Testing

@testable import Storage

/// Statistics rows on real SQLite (migration v17): hours add up, days sum them, pruning goes by domain and day, a
/// deleted user takes theirs along, and both queries search the primary key (no scan, no sort).
@Suite struct StatisticsRecordsTests {
    func tenant(_ store: AppDatabase) async throws -> (companyId: Int64, domainId: Int64, users: [Int64]) {
        try await store.write { tx in
            let company = try tx.insert(Company(name: "Acme"))
            let domain = try tx.insert(CompanyDomain(companyId: company.id!, name: "HQ", numberingPlanLength: 4))
            let users = try ["ann", "bob"].map { try tx.insert(User(companyId: company.id!, domainId: domain.id!, username: $0)).id! }
            return (company.id!, domain.id!, users)
        }
    }

    func hour(
        _ t: (companyId: Int64, domainId: Int64, users: [Int64]),
        user: Int,
        _ day: String,
        _ hour: Int,
        _ figures: CallFigures
    ) -> StatisticsHour {
        let day = StatisticsDay(day)!
        return StatisticsHour(
            companyId: t.companyId,
            domainId: t.domainId,
            userId: t.users[user],
            day: day,
            hour: hour,
            hourStart: day.start(in: TimeZone(identifier: "UTC")!).addingTimeInterval(Double(hour) * 3600),
            figures: figures
        )
    }

    @Test
    func hoursAddUpDaysSumThemAndPruningGoesByDay() async throws {
        let store = try AppDatabase.inMemory()
        let t = try await tenant(store)
        let missed = CallFigures(incoming: 1, missed: 1)
        let answered = CallFigures(incoming: 1, answered: 1, talkSeconds: 60, answerWaitSeconds: 4)
        let rows = [
            hour(t, user: 0, "2026-12-03", 9, missed), hour(t, user: 0, "2026-12-04", 9, answered), hour(t, user: 0, "2026-12-04", 10, missed),
            hour(t, user: 1, "2026-12-04", 9, answered),
        ]
        try await store.write { tx in try tx.addStatistics(rows) }
        // The same hour again: added to, not replaced.
        try await store.write { tx in try tx.addStatistics([self.hour(t, user: 0, "2026-12-04", 9, missed)]) }
        let range = StatisticsDay("2026-12-01")!...StatisticsDay("2026-12-31")!
        let hours = try await store.read { tx in try tx.statisticsHours(userIds: [t.users[0]], days: range) }
        #expect(hours.map(\.hour) == [9, 9, 10])
        #expect(hours[1].figures == answered + missed)
        let days = try await store.read { tx in try tx.statisticsDays(userIds: t.users, days: range) }
        #expect(days.map { "\($0.userId) \($0.day)" } == ["\(t.users[0]) 2026-12-03", "\(t.users[0]) 2026-12-04", "\(t.users[1]) 2026-12-04"])
        #expect(days[1].figures == answered + missed + missed)
        #expect(days[1].hourStart == hours[1].hourStart)
        let one = try await store.read { tx in
            try tx.statisticsDays(userIds: t.users, days: StatisticsDay("2026-12-04")!...StatisticsDay("2026-12-04")!)
        }
        #expect(one.count == 2)

        #expect(try await store.write { tx in try tx.deleteStatistics(domainId: t.domainId + 1, before: StatisticsDay("2027-01-01")!) } == 0)
        #expect(try await store.write { tx in try tx.deleteStatistics(domainId: t.domainId, before: StatisticsDay("2026-12-04")!) } == 1)
        // Deleting a user deletes their statistics.
        try await store.write { tx in _ = try tx.deleteUser(id: t.users[1]) }
        #expect(try await store.read { tx in try tx.statisticsDays(userIds: t.users, days: range) }.map(\.userId) == [t.users[0]])
    }

    @Test(arguments: [1, 3, 500])
    func bothQueriesSearchThePrimaryKeyByUserAndDayRange(users: Int) async throws {
        let store = try AppDatabase.inMemory()
        for sql in [GRDBTransaction.hoursSQL(users: users), GRDBTransaction.daysSQL(users: users)] {
            let plan = try await store.writer.read { db in
                try Row.fetchAll(
                    db,
                    sql: "EXPLAIN QUERY PLAN " + sql,
                    arguments: StatementArguments(Array(1...users).map { Int64($0) } + ["2026-01-01", "2026-12-31"])
                )
                .map { $0["detail"] as String }
            }
            #expect(plan.contains { $0.contains("SEARCH call_statistics USING PRIMARY KEY (userId=? AND day>? AND day<?)") }, "\(plan)")
            #expect(!plan.contains { $0.contains("SCAN") || $0.contains("TEMP B-TREE") }, "\(plan)")
        }
    }
}

import Domain
import Foundation
import Testing

/// Call statistics (issue 21): bucketing in the domain's time zone, exact averages, who may see whose figures, bad
/// ranges, and retention, over the in-memory store.
@Suite("Statistics")
struct StatisticsTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!

    /// `yyyy-MM-ddTHH:mm:ssZ`.
    static func time(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    static func line(
        userId: Int64 = 1,
        _ kind: CallLogKind,
        at start: String,
        ringing: Int = 0,
        talking: Int = 0,
        connected: Bool = true,
        companyId: Int64 = 1,
        domainId: Int64 = 1
    ) -> CallLogEntry {
        let started = time(start)
        let answered: Date? =
            switch kind {
            case .missed: nil
            case .incoming: started.addingTimeInterval(Double(ringing))
            case .outgoing: connected ? started.addingTimeInterval(Double(ringing)) : nil
            }
        return CallLogEntry(
            companyId: companyId,
            domainId: domainId,
            userId: userId,
            device: "1001",
            callId: UUID().uuidString,
            kind: kind,
            peerNumber: "1002",
            startedAt: started,
            answeredAt: answered,
            durationSeconds: answered == nil ? 0 : talking
        )
    }

    @Test
    func callsEitherSideOfLocalMidnightCountOnTheirOwnLocalDays() {
        // 22:30 and 23:10 UTC on 4 December are 23:30 on the 4th and 00:10 on the 5th in Paris (UTC+1).
        let hours = StatisticsHour.tally(
            [Self.line(.incoming, at: "2026-12-04T22:30:00Z", ringing: 3, talking: 30), Self.line(.missed, at: "2026-12-04T23:10:00Z")],
            zone: Self.paris
        )
        #expect(hours.map(\.day.description) == ["2026-12-04", "2026-12-05"])
        #expect(hours.map(\.hour) == [23, 0])
        #expect(hours.map(\.hourStart) == [Self.time("2026-12-04T22:00:00Z"), Self.time("2026-12-04T23:00:00Z")])
        #expect(hours[0].figures == CallFigures(incoming: 1, answered: 1, talkSeconds: 30, answerWaitSeconds: 3))
        #expect(hours[1].figures == CallFigures(incoming: 1, missed: 1))
        // In UTC both are on the 4th.
        #expect(
            StatisticsHour.tally([Self.line(.missed, at: "2026-12-04T23:10:00Z")], zone: TimeZone(identifier: "UTC")!)[0].day.description
                == "2026-12-04"
        )
    }

    @Test
    func theHourRepeatedWhenClocksGoBackIsTwoBucketsAndTheSkippedHourNone() {
        // 25 October 2026, Paris: 03:00 CEST becomes 02:00 CET; 00:30Z is 02:30 CEST and 01:30Z is 02:30 CET.
        let autumn = StatisticsHour.tally(
            [Self.line(.outgoing, at: "2026-10-25T00:30:00Z", talking: 10), Self.line(.outgoing, at: "2026-10-25T01:30:00Z", talking: 20)],
            zone: Self.paris
        )
        #expect(autumn.count == 2)
        #expect(autumn.map(\.hour) == [2, 2])
        #expect(Set(autumn.map(\.day.description)) == ["2026-10-25"])
        #expect(autumn.map(\.hourStart) == [Self.time("2026-10-25T00:00:00Z"), Self.time("2026-10-25T01:00:00Z")])
        // 29 March 2026: 02:00 CET becomes 03:00 CEST; 01:30Z is 03:30 local, and the day starts at 23:00Z the day before.
        let spring = StatisticsHour.tally([Self.line(.missed, at: "2026-03-29T01:30:00Z")], zone: Self.paris)
        #expect(spring.map(\.hour) == [3])
        #expect(spring[0].hourStart == Self.time("2026-03-29T01:00:00Z"))
        #expect(StatisticsDay("2026-03-29")!.start(in: Self.paris) == Self.time("2026-03-28T23:00:00Z"))
    }

    @Test
    func averagesAreExactFromSumsAndCountsAndMissedIsNotAnswered() {
        let hours = StatisticsHour.tally(
            [
                Self.line(.incoming, at: "2026-12-04T09:05:00Z", ringing: 5, talking: 60),
                Self.line(.incoming, at: "2026-12-04T09:20:00Z", ringing: 15, talking: 120),
                Self.line(.missed, at: "2026-12-04T09:30:00Z"),
                Self.line(.outgoing, at: "2026-12-04T09:40:00Z", ringing: 8, talking: 30),
                Self.line(.outgoing, at: "2026-12-04T09:50:00Z", connected: false),
            ],
            zone: TimeZone(identifier: "UTC")!
        )
        #expect(hours.count == 1)
        let f = hours[0].figures
        #expect(f == CallFigures(incoming: 3, outgoing: 2, missed: 1, answered: 2, outgoingConnected: 1, talkSeconds: 210, answerWaitSeconds: 20))
        #expect(f.calls == 5)
        #expect(f.averageTalkSeconds == 70)
        #expect(f.averageAnswerSeconds == 10)
        #expect(CallFigures.zero.averageTalkSeconds == nil && CallFigures.zero.averageAnswerSeconds == nil)
        // Summing two hours keeps the averages exact: (10 + 20) / 2 answered, not the mean of the hours' means.
        let sum = CallFigures(answered: 1, answerWaitSeconds: 10) + CallFigures(answered: 3, answerWaitSeconds: 20)
        #expect(sum.averageAnswerSeconds == 7.5)
    }

    @Test
    func badRangesAreRefusedWithStableCodes() async {
        func code(_ from: String, _ to: String, _ granularity: StatisticsGranularity, user: Int64? = nil, group: Int64? = nil) async -> String? {
            await domainError { _ = try StatisticsQuery(userId: user, groupId: group, from: from, to: to, granularity: granularity) }?.code
        }
        #expect(await code("2026-12-05", "2026-12-04", .day) == "statistics_range_reversed")
        #expect(await code("2026-01-01", "2026-02-01", .hour) == "statistics_range_too_long")
        #expect(await code("2026-01-01", "2026-01-31", .hour) == nil)
        #expect(await code("2025-01-01", "2026-01-01", .day) == nil)
        #expect(await code("2025-01-01", "2026-01-02", .day) == "statistics_range_too_long")
        #expect(await code("2026-02-30", "2026-03-01", .day) == "invalid_field")
        #expect(await code("yesterday", "2026-03-01", .day) == "invalid_field")
        #expect(await code("2026-03-01", "2026-03-01", .day, user: 1, group: 2) == "statistics_user_or_group")
    }

    /// A company with Stats and Stats Admin licences; `boss` holds Stats Admin, `ann` and `bob` Stats, `eve` nothing;
    /// `ann` and `bob` are in the group Sales.
    struct Office {
        let world: World
        let domain: CompanyDomain
        let boss: User, ann: User, bob: User, eve: User
        let sales: UserGroup
        let service: StatisticsService

        init() async throws {
            world = try await World()
            let (_, created) = try await world.tenant("Acme", licences: [.stats: 10, .statsAdmin: 10])
            domain = try await world.admin.updateDomain(world.root, id: created.id!, name: nil, numberingPlanLength: nil, timeZone: "Europe/Paris")
            boss = try await world.user("boss", in: domain)
            ann = try await world.user("ann", in: domain)
            bob = try await world.user("bob", in: domain)
            eve = try await world.user("eve", in: domain)
            try await world.grant(.statsAdmin, to: boss)
            try await world.grant(.stats, to: ann)
            try await world.grant(.stats, to: bob)
            sales = try await world.group("Sales", in: domain, members: [ann, bob])
            service = StatisticsService(store: world.store)
            // Ann: two calls on 4 December, Bob one, the boss one.
            let lines = [
                line(ann, .incoming, at: "2026-12-04T08:15:00Z", ringing: 4, talking: 100),
                line(ann, .missed, at: "2026-12-04T08:45:00Z"),
                line(bob, .outgoing, at: "2026-12-04T09:10:00Z", ringing: 5, talking: 50),
                line(boss, .incoming, at: "2026-12-04T10:00:00Z", ringing: 2, talking: 20),
            ]
            let domainId = domain.id!
            try await world.store.write { tx in try StatisticsService.count(lines, domainId: domainId, tx) }
        }

        func line(_ user: User, _ kind: CallLogKind, at start: String, ringing: Int = 0, talking: Int = 0) -> CallLogEntry {
            StatisticsTests.line(
                userId: user.id!,
                kind,
                at: start,
                ringing: ringing,
                talking: talking,
                companyId: user.companyId,
                domainId: domain.id!
            )
        }

        func principal(_ user: User) -> UserPrincipal {
            UserPrincipal(userId: user.id!, domainId: user.domainId, companyId: user.companyId, sessionTokenId: "t")
        }

        func report(
            _ user: User,
            userId: Int64? = nil,
            groupId: Int64? = nil,
            _ granularity: StatisticsGranularity = .day
        ) async throws
            -> StatisticsReport
        {
            try await service.report(
                principal(user),
                StatisticsQuery(userId: userId, groupId: groupId, from: "2026-12-01", to: "2026-12-07", granularity: granularity)
            )
        }

        /// Boss (the grantee) may see the statistics of the object `kind`/`id` (admin guide 7.4: reversed).
        func grantStatistics(to grantee: User, on id: Int64, _ kind: PeopleKind) async throws {
            _ = try await world.admin.grant(
                world.root,
                AuthorizationRequest(objectType: .statistics, objectId: id, objectKind: kind, granteeType: .user, granteeId: grantee.id!)
            )
        }
    }

    @Test
    func aUserWithTWSStatsSeesTheirOwnFiguresByDayAndByLocalHour() async throws {
        let office = try await Office()
        let byDay = try await office.report(office.ann)
        #expect(byDay.timeZone == "Europe/Paris")
        #expect(byDay.users.map(\.username) == ["ann"])
        #expect(byDay.buckets.map(\.day.description) == ["2026-12-04"])
        #expect(byDay.buckets.first?.hour == nil)
        // The day starts at midnight in Paris, not at its first call.
        #expect(byDay.buckets.first?.start == StatisticsTests.time("2026-12-03T23:00:00Z"))
        #expect(byDay.total == CallFigures(incoming: 2, missed: 1, answered: 1, talkSeconds: 100, answerWaitSeconds: 4))
        let byHour = try await office.report(office.ann, .hour)
        // 08:15Z is 09:15 in Paris.
        #expect(byHour.buckets.map(\.hour) == [9])
        #expect(byHour.buckets.first?.start == StatisticsTests.time("2026-12-04T08:00:00Z"))
        // Stats Admin alone shows one's own figures too (admin guide 9.4.2).
        #expect(try await office.report(office.boss).total.answered == 1)
    }

    @Test
    func withoutTWSStatsTheCallerIsRefusedAndOthersFiguresAreNotFound() async throws {
        let office = try await Office()
        #expect(await domainError { _ = try await office.report(office.eve) }?.code == "application_not_authorized")
        // TWS Stats never shows another user, even with a statistics right: that needs TWS Stats Admin.
        try await office.grantStatistics(to: office.ann, on: office.bob.id!, .user)
        let refused = await domainError { _ = try await office.report(office.ann, userId: office.bob.id!) }
        #expect(refused?.kind == .notFound)
        // Without a right, Stats Admin sees nobody else, nor an unknown user: the same 404.
        #expect(await domainError { _ = try await office.report(office.boss, userId: office.ann.id!) }?.kind == .notFound)
        #expect(await domainError { _ = try await office.report(office.boss, userId: 999_999) }?.kind == .notFound)
        #expect(await domainError { _ = try await office.report(office.boss, groupId: office.sales.id!) }?.kind == .notFound)
    }

    @Test
    func aStatsAdminGrantedOnAGroupSeesItsMembersAndTheirSumButNotTheReverse() async throws {
        let office = try await Office()
        try await office.grantStatistics(to: office.boss, on: office.sales.id!, .group)
        let ann = try await office.report(office.boss, userId: office.ann.id!)
        #expect(ann.total.incoming == 2)
        let group = try await office.report(office.boss, groupId: office.sales.id!, .hour)
        #expect(group.groupId == office.sales.id!)
        #expect(group.users.map(\.username) == ["ann", "bob"])
        #expect(
            group.total == CallFigures(incoming: 2, outgoing: 1, missed: 1, answered: 1, outgoingConnected: 1, talkSeconds: 150, answerWaitSeconds: 4)
        )
        #expect(group.buckets.map(\.hour) == [9, 10])
        // The reverse does not hold: the group's members do not see the boss, even with Stats Admin.
        try await office.world.grant(.statsAdmin, to: office.ann)
        #expect(await domainError { _ = try await office.report(office.ann, userId: office.boss.id!) }?.kind == .notFound)
        // A right on one user shows that user only.
        try await office.grantStatistics(to: office.ann, on: office.bob.id!, .user)
        #expect(try await office.report(office.ann, userId: office.bob.id!).total.outgoing == 1)
        let annsGroup = try await office.report(office.ann, groupId: office.sales.id!)
        #expect(annsGroup.users.map(\.username) == ["ann", "bob"])
    }

    @Test
    func anotherCompanysUserOrGroupIsNotFoundWhateverTheRights() async throws {
        let office = try await Office()
        let (_, other) = try await office.world.tenant("Globex", licences: [.stats: 5])
        let stranger = try await office.world.user("stranger", in: other)
        let theirs = try await office.world.group("Theirs", in: other, members: [stranger])
        try await office.grantStatistics(to: office.boss, on: office.sales.id!, .group)
        #expect(await domainError { _ = try await office.report(office.boss, userId: stranger.id!) }?.kind == .notFound)
        #expect(await domainError { _ = try await office.report(office.boss, groupId: theirs.id!) }?.kind == .notFound)
    }

    @Test
    func retentionDeletesDaysOlderThanTheDomainKeepsAndLeavesTheRest() async throws {
        let office = try await Office()
        let domainId = office.domain.id!
        let old = office.line(office.ann, .missed, at: "2025-11-01T10:00:00Z")
        try await office.world.store.write { tx in try StatisticsService.count([old], domainId: domainId, tx) }
        func november() async throws -> Int {
            try await office.service.report(
                office.principal(office.ann),
                StatisticsQuery(userId: nil, groupId: nil, from: "2025-11-01", to: "2025-11-30", granularity: .day)
            ).total.missed
        }
        #expect(try await november() == 1)
        // Not the cleaning minute (03:30 in Paris by default): nothing happens.
        #expect(try await office.service.clean(now: StatisticsTests.time("2026-12-05T10:00:00Z")) == 0)
        // 03:30 in Paris is 02:30Z: 365 days are kept, so 1 November 2025 goes and December stays.
        #expect(try await office.service.clean(now: StatisticsTests.time("2026-12-05T02:30:00Z")) == 1)
        #expect(try await november() == 0)
        #expect(try await office.report(office.ann).total.incoming == 2)
        let year = try await office.service.report(
            office.principal(office.ann),
            StatisticsQuery(userId: nil, groupId: nil, from: "2025-12-06", to: "2026-12-05", granularity: .day)
        )
        #expect(year.buckets.map(\.day.description) == ["2026-12-04"])
    }
}

import Domain
import Foundation
import Testing

/// The pure evaluation the engine and explain share: first match wins, each earlier rule says why it did not.
@Suite struct RuleEvaluatorTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!

    /// 2026-03-04 (a Wednesday) at `hour`:`minute` in Paris.
    static func wednesday(_ hour: Int, _ minute: Int = 0, day: Int = 4) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = paris
        return calendar.date(from: DateComponents(year: 2026, month: 3, day: day, hour: hour, minute: minute))!
    }

    static func call(
        from number: String = "0612345678",
        isInternal: Bool = false,
        directories: Set<Int64> = [],
        vip: Bool = false,
        presence: RulePresence = .online,
        calendar: Bool = false,
        busy: Bool = false,
        at time: Date = wednesday(10)
    ) -> RuleCallContext {
        RuleCallContext(
            callerNumber: number,
            callerIsInternal: isInternal,
            callerDirectories: directories,
            callerIsVip: vip,
            presence: presence,
            inCalendarEvent: calendar,
            deviceBusy: busy,
            time: time,
            timeZone: paris
        )
    }

    static func rule(_ name: String, _ conditions: RuleConditions? = nil, type: ForwardingKind = .immediate, active: Bool = true) -> ForwardingRule {
        ForwardingRule(
            id: Int64(name.hashValue & 0xFFFF),
            companyId: 1,
            domainId: 1,
            owner: .user(1),
            imposed: false,
            name: name,
            kind: conditions == nil ? .simple : .advanced,
            active: active,
            priority: 1,
            source: .user,
            action: RuleAction(type: type, destination: .number("2000")),
            conditions: conditions,
            updatedAt: Date(timeIntervalSince1970: 0)
        )
    }

    static func fires(_ conditions: RuleConditions, _ call: RuleCallContext) -> Bool {
        RuleEvaluator.evaluate([rule("R", conditions)], call).fired != nil
    }

    @Test func originsSelectTheirCallersAndExceptTurnsThemRound() {
        let origin = { (match: RuleOrigin.Match, except: Bool) in RuleConditions(origin: RuleOrigin(match: match, directoryId: match == .directory ? 7 : nil, except: except)) }
        #expect(Self.fires(origin(.all, false), Self.call()))
        #expect(Self.fires(origin(.internal, false), Self.call(from: "1002", isInternal: true)))
        #expect(!Self.fires(origin(.internal, false), Self.call()))
        #expect(Self.fires(origin(.external, false), Self.call()))
        #expect(!Self.fires(origin(.external, true), Self.call()))
        #expect(Self.fires(origin(.directory, false), Self.call(directories: [7])))
        #expect(!Self.fires(origin(.directory, false), Self.call(directories: [8])))
        #expect(Self.fires(origin(.vip, false), Self.call(directories: [7], vip: true)))
        #expect(!Self.fires(origin(.vip, false), Self.call(directories: [7])))
        #expect(Self.fires(origin(.unknown, false), Self.call()))
        #expect(!Self.fires(origin(.unknown, false), Self.call(directories: [7])))
        #expect(Self.fires(origin(.vip, true), Self.call()))
    }

    @Test func listedNumbersMatchExactlyOrAsPrefixes() {
        let listed = RuleConditions(origin: RuleOrigin(match: .numbers, numbers: ["0612345678", "+3361*"]))
        #expect(Self.fires(listed, Self.call(from: "0612345678")))
        #expect(!Self.fires(listed, Self.call(from: "061234567")))
        #expect(Self.fires(listed, Self.call(from: "+33612000000")))
        #expect(!Self.fires(listed, Self.call(from: "+33712000000")))
    }

    @Test func presenceHoldsForAnyListedPresenceAndCalendarAddsToThem() {
        let away = RuleConditions(presence: [.absent, .busy])
        #expect(Self.fires(away, Self.call(presence: .busy)))
        #expect(!Self.fires(away, Self.call(presence: .online)))
        let meeting = RuleConditions(presence: [.calendar])
        #expect(!Self.fires(meeting, Self.call(presence: .online)))
        #expect(Self.fires(meeting, Self.call(presence: .online, calendar: true)))
    }

    @Test func schedulesHoldInsideOrOutsideTheirHoursInTheDomainsZone() {
        let office = RuleSchedule(days: [.monday, .tuesday, .wednesday, .thursday, .friday], ranges: [RuleTimeRange(from: 9 * 60, to: 18 * 60)])
        #expect(Self.fires(RuleConditions(schedule: office), Self.call(at: Self.wednesday(9))))
        #expect(!Self.fires(RuleConditions(schedule: office), Self.call(at: Self.wednesday(18))))
        // 08:30 in Paris is 07:30 UTC: outside the hours whatever the server's zone.
        var outOfHours = office
        outOfHours.outside = true
        #expect(Self.fires(RuleConditions(schedule: outOfHours), Self.call(at: Self.wednesday(8, 30))))
        #expect(!Self.fires(RuleConditions(schedule: outOfHours), Self.call(at: Self.wednesday(12))))
        // Saturday 2026-03-07 is not a listed day.
        #expect(Self.fires(RuleConditions(schedule: outOfHours), Self.call(at: Self.wednesday(12, day: 7))))
    }

    @Test func overnightRangesAndExceptionDates() {
        let night = RuleSchedule(ranges: [RuleTimeRange(from: 22 * 60, to: 6 * 60)])
        #expect(Self.fires(RuleConditions(schedule: night), Self.call(at: Self.wednesday(23))))
        #expect(Self.fires(RuleConditions(schedule: night), Self.call(at: Self.wednesday(5, 59))))
        #expect(!Self.fires(RuleConditions(schedule: night), Self.call(at: Self.wednesday(6))))
        let holiday = RuleSchedule(ranges: [RuleTimeRange(from: 0, to: 1440)], exceptions: ["2026-03-04"])
        #expect(!Self.fires(RuleConditions(schedule: holiday), Self.call(at: Self.wednesday(10))))
        #expect(Self.fires(RuleConditions(schedule: holiday), Self.call(at: Self.wednesday(10, day: 5))))
        var outsideHoliday = holiday
        outsideHoliday.outside = true
        #expect(Self.fires(RuleConditions(schedule: outsideHoliday), Self.call(at: Self.wednesday(10))))
    }

    @Test func busyRulesApplyOnlyWhileTheDeviceIsInAnotherCall() {
        let busy = Self.rule("Busy", type: .busy)
        #expect(RuleEvaluator.evaluate([busy], Self.call(busy: false)).fired == nil)
        #expect(RuleEvaluator.evaluate([busy], Self.call(busy: true)).fired == busy)
        #expect(RuleEvaluator.evaluate([busy], Self.call(busy: false)).steps.first?.failed == .type)
    }

    @Test func theFirstMatchingActiveRuleWinsAndEarlierOnesSayWhyNot() {
        let off = Self.rule("Off", active: false)
        let internalOnly = Self.rule("Internal", RuleConditions(origin: RuleOrigin(match: .internal)))
        let external = Self.rule("External", RuleConditions(origin: RuleOrigin(match: .external)))
        let all = Self.rule("All")
        let evaluation = RuleEvaluator.evaluate([off, internalOnly, external, all], Self.call())
        #expect(evaluation.fired == external)
        #expect(evaluation.steps.map(\.failed) == [.active, .origin, nil])
        #expect(evaluation.steps.allSatisfy { !$0.reason.isEmpty })
        #expect(RuleEvaluator.evaluate([off], Self.call()).fired == nil)
    }
}

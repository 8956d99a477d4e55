import Foundation
import Testing

@testable import Domain

/// Names one VIP caller (in whatever form the dialing plan shows the number), like a directory holding a VIP contact.
struct VIPCallerNames: CallerNameResolver {
    /// The number without its leading 0 or country code.
    let vipNumber: String

    func callerIdentity(domainId: Int64, device: String, number: String) async -> CallerIdentity? {
        guard number.hasSuffix(vipNumber) else { return nil }
        let card = ContactCard(
            id: 1,
            directoryId: 42,
            directoryName: "Customers",
            isPrivate: false,
            externalId: "1",
            lastName: "Gold",
            phones: [],
            privateFields: [],
            mapLinks: [],
            vip: true,
            contactIds: [1]
        )
        return CallerIdentity(number: number, name: "Gold", card: card, foundIn: ["Customers"])
    }

    func partyName(domainId: Int64, device: String, number: String) async -> String? { nil }
}

/// A company whose domain dials out with prefix 9 and reads schedules in Tokyo time, four users with a device each
/// (alice 1001 with a second device 1005, bob 1002, carol 1003, dave 1004), another company, and the rule service over
/// the in-memory store. Rules are inserted straight into the store (their CRUD is another capability).
struct RulesWorld {
    let world: World
    let domain: CompanyDomain
    let other: (company: Company, domain: CompanyDomain)
    let alice: User
    let bob: User
    let carol: User
    let dave: User
    let stranger: User
    let events: CallEventPipeline
    let rules: RuleService

    init() async throws {
        world = try await World()
        let (company, domain) = try await world.tenant("Acme")
        _ = try await world.admin.setDialingPlan(
            world.root,
            domainId: domain.id!,
            DialingPlanSettings(companyId: company.id!, domainId: domain.id!, externalPrefix: "9")
        )
        self.domain = try await world.store.write { tx in
            var domain = try tx.domain(id: domain.id!)!
            domain.timeZone = "Asia/Tokyo"
            try tx.update(domain)
            return domain
        }
        alice = try await world.callerUser("alice", in: domain)
        bob = try await world.callerUser("bob", in: domain)
        carol = try await world.callerUser("carol", in: domain)
        dave = try await world.callerUser("dave", in: domain)
        for (user, number) in [(alice, "1001"), (alice, "1005"), (bob, "1002"), (carol, "1003"), (dave, "1004")] {
            _ = try await world.admin.createDevice(world.root, userId: user.id!, DeviceChanges(number: number))
        }
        other = try await world.tenant("Globex")
        stranger = try await world.callerUser("stranger", in: other.domain)
        _ = try await world.admin.createDevice(world.root, userId: stranger.id!, DeviceChanges(number: "1001"))
        let plans = DialingPlans(store: world.store)
        let publisher = RecordingPublisher()
        events = CallEventPipeline(publisher: publisher, callLogs: CallLogWriter(store: world.store, publisher: publisher), plans: plans)
        rules = RuleService(
            store: world.store,
            gateway: RecordingGateway(),
            events: events,
            plans: plans,
            callerNames: VIPCallerNames(vipNumber: "155000001")
        )
    }

    func principal(_ user: User) -> UserPrincipal {
        UserPrincipal(userId: user.id!, domainId: user.domainId, companyId: user.companyId, sessionTokenId: "t")
    }

    /// A rule of `user`, stored as it is (no check).
    @discardableResult
    func rule(
        _ user: User,
        _ name: String,
        kind: RuleKind = .advanced,
        active: Bool = true,
        priority: Int = 1,
        _ type: ForwardingKind = .immediate,
        to destination: RuleDestination,
        conditions: RuleConditions? = nil
    ) async throws -> ForwardingRule {
        try await world.store.write { tx in
            try tx.insert(Self.make(user, name, kind: kind, active: active, priority: priority, type, to: destination, conditions: conditions))
        }
    }

    static func make(
        _ user: User,
        _ name: String,
        kind: RuleKind = .advanced,
        active: Bool = true,
        priority: Int = 1,
        _ type: ForwardingKind = .immediate,
        to destination: RuleDestination,
        conditions: RuleConditions? = nil
    ) -> ForwardingRule {
        ForwardingRule(
            companyId: user.companyId,
            domainId: user.domainId,
            owner: .user(user.id!),
            imposed: false,
            name: name,
            kind: kind,
            active: active,
            priority: priority,
            source: .user,
            action: RuleAction(type: type, destination: destination),
            conditions: kind == .advanced ? (conditions ?? RuleConditions()) : nil,
            updatedAt: Date()
        )
    }

    func set(_ application: Application, _ name: String, _ value: String, for user: User) async throws {
        _ = try await world.admin.setParameter(world.root, scope: .user, scopeId: user.id!, application: application, name: name, value: value)
    }

    /// The loop check as a save would run it.
    func check(_ rule: ForwardingRule) async -> DomainError? {
        await domainError { try await world.store.read { tx in try rules.checkLoop(rule, in: tx) } }
    }

    func explain(_ user: User, _ request: RuleTest) async throws -> RuleExplanation {
        try await rules.explain(principal(user), request)
    }
}

func iso(_ text: String) -> Date { try! Date.ISO8601FormatStyle().parse(text) }

@Suite struct RuleLoopCheckTests {
    @Test func aRuleClosingABackAndForthWithAColleaguesRuleIsRefusedNamingTheChain() async throws {
        let w = try await RulesWorld()
        try await w.rule(w.bob, "Back to Alice", to: .number("1001"))
        let error = await w.check(RulesWorld.make(w.alice, "To Bob", to: .colleague(userId: w.bob.id!)))
        #expect(error?.code == "forward_loop" && error?.kind == .conflict)
        #expect(error?.chain == ["1001", "1002", "1001"])
        // A forward to oneself is refused at level 1 already.
        try await w.set(.rules, "CIRCULARLEVEL", "1", for: w.alice)
        #expect(await w.check(RulesWorld.make(w.alice, "Self", to: .number("1001")))?.chain == ["1001", "1001"])
        #expect(await w.check(RulesWorld.make(w.alice, "To Bob", to: .colleague(userId: w.bob.id!))) == nil)
        // Level 0 checks nothing.
        try await w.set(.rules, "CIRCULARLEVEL", "0", for: w.alice)
        #expect(await w.check(RulesWorld.make(w.alice, "Self", to: .number("1001"))) == nil)
    }

    @Test func aLongerRoundIsRefusedOnlyWhenTheLevelReachesIt() async throws {
        let w = try await RulesWorld()
        try await w.rule(w.bob, "To Carol", to: .colleague(userId: w.carol.id!))
        try await w.rule(w.carol, "To Alice", .noAnswer, to: .number("1001"))
        let rule = RulesWorld.make(w.alice, "To Bob", .busy, to: .number("1002"))
        #expect(await w.check(rule) == nil)
        try await w.set(.rules, "CIRCULARLEVEL", "3", for: w.alice)
        #expect(await w.check(rule)?.chain == ["1001", "1002", "1003", "1001"])
    }

    @Test func inactiveRulesCloseNoLoop() async throws {
        let w = try await RulesWorld()
        try await w.rule(w.bob, "Back to Alice (off)", active: false, to: .number("1001"))
        #expect(await w.check(RulesWorld.make(w.alice, "To Bob", to: .number("1002"))) == nil)
        // Nor does the rule being saved when it is inactive.
        try await w.rule(w.carol, "To Alice", to: .number("1001"))
        #expect(await w.check(RulesWorld.make(w.alice, "To Carol (off)", active: false, to: .number("1003"))) == nil)
    }

    @Test func anUpdatedRuleReplacesItsStoredVersion() async throws {
        let w = try await RulesWorld()
        // A group's rule (bob 1002, carol 1003) to dave, who forwards to bob; alice forwards to carol. Bob checks
        // loops up to 4 forwards, carol none.
        try await w.set(.rules, "CIRCULARLEVEL", "4", for: w.bob)
        try await w.set(.rules, "CIRCULARLEVEL", "0", for: w.carol)
        let group = try await w.world.group("Sales", in: w.domain, members: [w.bob, w.carol])
        var rule = RulesWorld.make(w.bob, "Sales to Dave", to: .colleague(userId: w.dave.id!))
        (rule.userId, rule.groupId, rule.imposed) = (nil, group.id, true)
        let stored = try await w.world.store.write { [rule] tx in try tx.insert(rule) }
        try await w.rule(w.dave, "To Bob", to: .number("1002"))
        try await w.rule(w.alice, "To Carol", to: .number("1003"))
        // Changed to go to alice: bob's way back (1001 → 1003 → 1004 → 1002) went through the stored version's
        // forward from carol to dave, which the change takes away.
        var changed = stored
        changed.action.destination = .colleague(userId: w.alice.id!)
        #expect(await w.check(changed) == nil)
        // As a new rule beside the stored one, the same forward would close that loop.
        var added = changed
        added.id = nil
        #expect(await w.check(added)?.chain == ["1002", "1001", "1003", "1004", "1002"])
    }

    @Test func pbxForwardsCountLikeRules() async throws {
        let w = try await RulesWorld()
        await w.events.handle(domainId: w.domain.id!, .monitored(device: "1002", true))
        await w.events.handle(
            domainId: w.domain.id!,
            .forwarding(device: "1002", ForwardingSetting(kind: .immediate, enabled: true, destination: "1001"))
        )
        #expect(await w.check(RulesWorld.make(w.alice, "To Bob", .noAnswer, to: .number("1002")))?.chain == ["1001", "1002", "1001"])
    }

    @Test func aGroupsRuleIsCheckedForEachMember() async throws {
        let w = try await RulesWorld()
        let group = try await w.world.group("Sales", in: w.domain, members: [w.bob, w.carol])
        try await w.rule(w.dave, "Back to Carol", to: .number("1003"))
        var rule = RulesWorld.make(w.alice, "Everyone to Dave", to: .colleague(userId: w.dave.id!))
        rule.userId = nil
        rule.groupId = group.id
        rule.imposed = true
        // Bob's forward to dave is fine, carol's would come straight back.
        #expect(await w.check(rule)?.chain == ["1003", "1004", "1003"])
    }
}

@Suite struct RuleExplainTests {
    @Test func theFirstRuleWhoseConditionsHoldFiresAndEachEarlierOneSaysWhyNot() async throws {
        let w = try await RulesWorld()
        let external = try await w.rule(
            w.alice,
            "External to mobile",
            priority: 1,
            to: .number("0611111111"),
            conditions: RuleConditions(origin: RuleOrigin(match: .external))
        )
        let absent = try await w.rule(
            w.alice,
            "Absent to Carol",
            priority: 2,
            to: .colleague(userId: w.carol.id!),
            conditions: RuleConditions(presence: [.absent])
        )
        let off = try await w.rule(w.alice, "Off", active: false, priority: 3, to: .voicemail)
        let bob = try await w.rule(w.alice, "Unanswered to Bob", priority: 4, .noAnswer, to: .colleague(userId: w.bob.id!))
        let explanation = try await w.explain(w.alice, RuleTest(callerNumber: "1004", presence: .online))
        #expect(explanation.decision == .forward)
        #expect(explanation.steps.map(\.ruleId) == [external.id!, absent.id!, off.id!, bob.id!])
        #expect(explanation.steps.map(\.condition) == [.origin, .presence, .active, nil])
        #expect(explanation.steps[0].reason.contains("1004"))
        #expect(explanation.rule?.ruleId == bob.id && explanation.rule?.fired == true)
        #expect(explanation.type == .noAnswer && explanation.waitSeconds == 15)
        #expect(explanation.destination == "1002" && explanation.finalDestination == "1002")
        #expect(explanation.chain.map(\.device) == ["1001", "1002"])
        #expect(explanation.chain[0].via == .rule && explanation.chain[0].ruleId == bob.id && explanation.chain[1].userName != nil)
        #expect(explanation.context.callerIsInternal && explanation.context.presence == .online && !explanation.context.deviceBusy)
        #expect(explanation.context.device == "1001")
        // No rule: the call rings.
        let plain = try await w.explain(w.bob, RuleTest(callerNumber: "1004"))
        #expect(plain.decision == .ring && plain.steps.isEmpty && plain.chain.map(\.device) == ["1002"] && plain.finalDestination == "1002")
        // An external caller meets the first rule; its number is dialled through the domain's plan (prefix 9).
        let outside = try await w.explain(w.alice, RuleTest(callerNumber: "0155000009", presence: .online))
        #expect(outside.rule?.ruleId == external.id && outside.destination == "90611111111" && outside.finalDestination == "90611111111")
        #expect(outside.chain.map(\.device) == ["1001", "90611111111"] && !outside.context.callerIsInternal)
    }

    @Test func schedulesAreReadInTheDomainsTimeZone() async throws {
        let w = try await RulesWorld()
        let hours = RuleSchedule(
            days: [.monday, .tuesday, .wednesday, .thursday, .friday],
            ranges: [RuleTimeRange(from: 9 * 60, to: 18 * 60)],
            outside: true
        )
        let rule = try await w.rule(w.alice, "Out of hours to mobile", to: .number("0611111111"), conditions: RuleConditions(schedule: hours))
        // Monday 10:00 in Tokyo (01:00 UTC): inside the hours.
        let morning = try await w.explain(w.alice, RuleTest(callerNumber: "0155000009", time: iso("2026-12-07T01:00:00Z")))
        #expect(morning.decision == .ring && morning.steps.first?.condition == .schedule)
        #expect(morning.context.timeZone == "Asia/Tokyo" && morning.context.time == iso("2026-12-07T01:00:00Z"))
        // Monday 19:00 in Tokyo (10:00 UTC, inside the hours in UTC): out of hours.
        let evening = try await w.explain(w.alice, RuleTest(callerNumber: "0155000009", time: iso("2026-12-07T10:00:00Z")))
        #expect(evening.decision == .forward && evening.rule?.ruleId == rule.id && evening.destination == "90611111111")
    }

    @Test func aVIPCallerBypassesADoNotDisturbRule() async throws {
        let w = try await RulesWorld()
        try await w.set(.caller, "vmNumber", "8000", for: w.alice)
        let rule = try await w.rule(
            w.alice,
            "Do not disturb but VIPs",
            to: .voicemail,
            conditions: RuleConditions(origin: RuleOrigin(match: .vip, except: true))
        )
        let vip = try await w.explain(w.alice, RuleTest(callerNumber: "0155000001"))
        #expect(vip.decision == .ring && vip.steps.first?.condition == .origin)
        #expect(vip.context.vip && vip.context.callerName == "Gold")
        let anyone = try await w.explain(w.alice, RuleTest(callerNumber: "0155000002"))
        #expect(anyone.decision == .forward && anyone.rule?.ruleId == rule.id && anyone.destination == "8000" && !anyone.context.vip)
        // A rule for one directory's contacts knows the caller's directory too.
        try await w.rule(
            w.bob,
            "Customers to Carol",
            to: .colleague(userId: w.carol.id!),
            conditions: RuleConditions(origin: RuleOrigin(match: .directory, directoryId: 42))
        )
        #expect(try await w.explain(w.bob, RuleTest(callerNumber: "0155000001")).finalDestination == "1003")
        #expect(try await w.explain(w.bob, RuleTest(callerNumber: "0155000002")).finalDestination == "1002")
    }

    @Test func aBusyRuleFiresOnlyWhileTheDeviceIsInAnotherCall() async throws {
        let w = try await RulesWorld()
        let rule = try await w.rule(w.alice, "Busy to Carol", .busy, to: .colleague(userId: w.carol.id!))
        let idle = try await w.explain(w.alice, RuleTest(callerNumber: "1004", deviceBusy: false))
        #expect(idle.decision == .ring && idle.steps.first?.condition == .type && idle.context.deviceBusy == false)
        let busy = try await w.explain(w.alice, RuleTest(callerNumber: "1004", deviceBusy: true))
        #expect(busy.decision == .forward && busy.rule?.ruleId == rule.id && busy.type == .busy && busy.waitSeconds == nil)
        // Without a device state given, the call model's: a call going on at the device makes it busy.
        await w.events.handle(domainId: w.domain.id!, .monitored(device: "1001", true))
        await w.events.handle(domainId: w.domain.id!, .call(SwitchCallEvent(kind: .serviceInitiated, device: "1001", callId: "c1")))
        let current = try await w.explain(w.alice, RuleTest(callerNumber: "1004"))
        #expect(current.context.deviceBusy && current.decision == .forward)
        // The other device of alice is idle.
        #expect(try await w.explain(w.alice, RuleTest(callerNumber: "1004", device: "1005")).decision == .ring)
    }

    @Test func colleaguesRulesAreFollowedToTheFinalDestination() async throws {
        let w = try await RulesWorld()
        try await w.rule(w.alice, "To Bob", to: .colleague(userId: w.bob.id!))
        let bobs = try await w.rule(w.bob, "To Carol", .noAnswer, to: .number("1003"))
        // Carol's rule is for external callers only: an internal call stays with her.
        try await w.rule(w.carol, "External to mobile", to: .number("0622222222"), conditions: RuleConditions(origin: RuleOrigin(match: .external)))
        let explanation = try await w.explain(w.alice, RuleTest(callerNumber: "1004"))
        #expect(explanation.decision == .forward && explanation.destination == "1002")
        #expect(explanation.chain.map(\.device) == ["1001", "1002", "1003"])
        #expect(explanation.chain[1].ruleId == bobs.id && explanation.chain[1].type == .noAnswer && explanation.chain[1].userId == w.bob.id)
        #expect(explanation.chain[2].ruleId == nil && explanation.finalDestination == "1003")
        let external = try await w.explain(w.alice, RuleTest(callerNumber: "0155000009"))
        #expect(external.chain.map(\.device) == ["1001", "1002", "1003", "90622222222"] && external.finalDestination == "90622222222")
    }

    @Test func aChainComingBackWithinTheLevelIsALoopAndNothingIsForwarded() async throws {
        let w = try await RulesWorld()
        try await w.rule(w.alice, "To Bob", to: .colleague(userId: w.bob.id!))
        try await w.rule(w.bob, "Back to Alice", to: .number("1001"))
        let loop = try await w.explain(w.alice, RuleTest(callerNumber: "1004"))
        #expect(loop.decision == .loop && loop.finalDestination == nil)
        #expect(loop.chain.map(\.device) == ["1001", "1002", "1001"] && loop.chain.last?.userId == w.alice.id && loop.chain.last?.userName != nil)
        // Without the check the call would go round: the walk stops where it started and says forward.
        try await w.set(.rules, "CIRCULARLEVEL", "0", for: w.alice)
        #expect(try await w.explain(w.alice, RuleTest(callerNumber: "1004")).decision == .forward)
    }

    @Test func pbxForwardsAndSimpleRulesAreShownAsThePBXs() async throws {
        let w = try await RulesWorld()
        await w.events.handle(domainId: w.domain.id!, .monitored(device: "1002", true))
        await w.events.handle(
            domainId: w.domain.id!,
            .forwarding(device: "1002", ForwardingSetting(kind: .immediate, enabled: true, destination: "1003"))
        )
        let advanced = try await w.rule(w.bob, "Never tried", to: .number("1004"))
        let pbx = try await w.explain(w.bob, RuleTest(callerNumber: "1004"))
        #expect(pbx.decision == .forward && pbx.chain.first?.via == .pbx && pbx.rule == nil && pbx.steps.isEmpty)
        #expect(pbx.destination == "1003" && pbx.finalDestination == "1003")
        // A simple rule is the PBX's forward (its no-answer one after the server's rules, with the PBX's timer)…
        let simple = try await w.rule(w.carol, "Unanswered to Dave", kind: .simple, .noAnswer, to: .colleague(userId: w.dave.id!))
        let shown = try await w.explain(w.carol, RuleTest(callerNumber: "1001"))
        #expect(shown.chain.first?.via == .pbx && shown.rule?.ruleId == simple.id && shown.waitSeconds == 20 && shown.finalDestination == "1004")
        // …unless CreateOnlyRUL makes the server run it.
        try await w.set(.rules, "CreateOnlyRUL", "true", for: w.carol)
        let run = try await w.explain(w.carol, RuleTest(callerNumber: "1001"))
        #expect(run.chain.first?.via == .rule && run.steps.map(\.ruleId) == [simple.id!] && run.waitSeconds == 15)
        _ = advanced
    }

    @Test func devicesAndUsersOutsideTheCallersReachAnswerNotFound() async throws {
        let w = try await RulesWorld()
        #expect(await domainError { _ = try await w.explain(w.alice, RuleTest(callerNumber: "1004", device: "1002")) } == .notFound("Device"))
        let acme = w.world.scopedAdmin([try await w.world.store.read { tx in try tx.company(id: w.alice.companyId)! }])
        let ok = try await w.rules.explain(acme, userId: w.bob.id!, request: RuleTest(callerNumber: "1004"))
        #expect(ok.context.device == "1002")
        #expect(
            await domainError { _ = try await w.rules.explain(acme, userId: w.stranger.id!, request: RuleTest(callerNumber: "1004")) }
                == .notFound("User")
        )
    }
}

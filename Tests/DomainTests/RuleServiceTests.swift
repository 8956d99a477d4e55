import Domain
import Foundation
import Testing

/// A company with TWS Rules licences, alice (TWS Rules granted, devices 1001) and bob (no TWS Rules, device 1002), the
/// rule service over the in-memory store, and a second company for isolation.
struct RuleWorld {
    let world: World
    let company: Company
    let domain: CompanyDomain
    let alice: User
    let bob: User
    let service: RuleService

    init() async throws {
        world = try await World()
        (company, domain) = try await world.tenant("Acme", licences: [.rules: 10])
        alice = try await world.callerUser("alice", in: domain)
        bob = try await world.callerUser("bob", in: domain)
        for (user, number) in [(alice, "1001"), (bob, "1002")] {
            _ = try await world.admin.createDevice(world.root, userId: user.id!, DeviceChanges(number: number))
        }
        _ = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .application, application: .rules, granteeType: .user, granteeId: alice.id!)
        )
        let plans = DialingPlans(store: world.store)
        let publisher = RecordingPublisher()
        let events = CallEventPipeline(publisher: publisher, callLogs: CallLogWriter(store: world.store, publisher: publisher), plans: plans)
        service = RuleService(store: world.store, gateway: RecordingGateway(), events: events, plans: plans, callerNames: nil)
    }

    func principal(_ user: User) -> UserPrincipal {
        UserPrincipal(userId: user.id!, domainId: user.domainId, companyId: user.companyId, sessionTokenId: "t")
    }

    var asAlice: UserPrincipal { principal(alice) }

    func set(_ name: String, _ value: String, for user: User, application: Application = .caller) async throws {
        _ = try await world.admin.setParameter(world.root, scope: .user, scopeId: user.id!, application: application, name: name, value: value)
    }

    /// A simple rule forwarding to 2000.
    static func simple(_ name: String, _ type: ForwardingKind = .immediate, priority: Int? = nil) -> RuleInput {
        RuleInput(name: name, kind: .simple, priority: priority, action: RuleAction(type: type, destination: .number("2000")))
    }

    static func advanced(_ name: String, _ conditions: RuleConditions, type: ForwardingKind = .immediate) -> RuleInput {
        RuleInput(name: name, kind: .advanced, action: RuleAction(type: type, destination: .number("2000")), conditions: conditions)
    }
}

/// One `Authorized*` parameter switched off and a rule it refuses.
struct RefusalCase: Sendable, CustomTestStringConvertible {
    let parameter: String
    let input: RuleInput
    var testDescription: String { parameter }
}

@Suite struct RuleServiceTests {
    @Test func rulesKeepTheirOrderAndDensePrioritiesThroughCreateMoveAndDelete() async throws {
        let w = try await RuleWorld()
        let a = try await w.service.createRule(w.asAlice, RuleWorld.simple("A"))
        let b = try await w.service.createRule(w.asAlice, RuleWorld.simple("B", .busy))
        _ = try await w.service.createRule(w.asAlice, RuleWorld.simple("C", .noAnswer))
        _ = try await w.service.createRule(w.asAlice, RuleWorld.simple("D", priority: 1))
        var rules = try await w.service.rules(w.asAlice)
        #expect(rules.map(\.rule.name) == ["D", "A", "B", "C"])
        #expect(rules.map(\.rule.priority) == [1, 2, 3, 4])

        try await w.service.deleteRule(w.asAlice, id: a.rule.id!)
        var moved = RuleWorld.simple("B moved", .busy, priority: 1)
        moved.active = false
        _ = try await w.service.updateRule(w.asAlice, id: b.rule.id!, moved)
        rules = try await w.service.rules(w.asAlice)
        #expect(rules.map(\.rule.name) == ["B moved", "D", "C"])
        #expect(rules.map(\.rule.priority) == [1, 2, 3])
        #expect(rules.first?.rule.active == false)

        // Without a priority, a replaced rule keeps its place.
        _ = try await w.service.updateRule(w.asAlice, id: rules[1].rule.id!, RuleWorld.simple("D again"))
        #expect(try await w.service.rules(w.asAlice).map(\.rule.name) == ["B moved", "D again", "C"])
    }

    @Test func setOrderTakesEveryOwnRuleOnceAndNothingElse() async throws {
        let w = try await RuleWorld()
        var ids: [Int64] = []
        for name in ["A", "B", "C"] { ids.append(try await w.service.createRule(w.asAlice, RuleWorld.simple(name)).rule.id!) }
        let reordered = try await w.service.setRuleOrder(w.asAlice, ids: [ids[2], ids[0], ids[1]])
        #expect(reordered.map(\.rule.name) == ["C", "A", "B"])
        #expect(reordered.map(\.rule.priority) == [1, 2, 3])

        let imposed = try await w.service.imposeRule(w.world.root, userId: w.alice.id!, RuleWorld.simple("Imposed"))
        for bad in [[ids[0], ids[1]], [ids[0], ids[1], ids[2], ids[2]], [ids[0], ids[1], ids[2], imposed.rule.id!], [ids[0], ids[1], 999]] {
            let error = await domainError { _ = try await w.service.setRuleOrder(w.asAlice, ids: bad) }
            #expect(error?.code == "invalid_rule_order")
            #expect(error?.kind == .unprocessable)
        }
    }

    static let refusals: [RefusalCase] = [
        RefusalCase(parameter: "AuthorizeSimpleRules", input: RuleWorld.simple("Any")),
        RefusalCase(parameter: "AuthorizedForwardTypeImmediate", input: RuleWorld.simple("Now", .immediate)),
        RefusalCase(parameter: "AuthorizedForwardTypeBusy", input: RuleWorld.simple("Busy", .busy)),
        RefusalCase(parameter: "AuthorizedForwardTypeNoAnswer", input: RuleWorld.simple("Late", .noAnswer)),
        RefusalCase(parameter: "AuthorizedForwardOriginAll", input: RuleWorld.advanced("All", RuleConditions(origin: RuleOrigin(match: .all)))),
        RefusalCase(parameter: "AuthorizedForwardOriginInternal", input: RuleWorld.advanced("In", RuleConditions(origin: RuleOrigin(match: .internal)))),
        RefusalCase(parameter: "AuthorizedForwardOriginExternal", input: RuleWorld.advanced("Out", RuleConditions(origin: RuleOrigin(match: .external)))),
        RefusalCase(
            parameter: "AuthorizedForwardOriginExternal",
            input: RuleWorld.advanced("Listed", RuleConditions(origin: RuleOrigin(match: .numbers, numbers: ["06*"])))
        ),
        RefusalCase(parameter: "AuthorizedForwardOriginExternal", input: RuleWorld.advanced("VIP", RuleConditions(origin: RuleOrigin(match: .vip)))),
        RefusalCase(parameter: "AuthorizedForwardOriginExternal", input: RuleWorld.advanced("Unknown", RuleConditions(origin: RuleOrigin(match: .unknown)))),
        RefusalCase(parameter: "AuthorizedForwardPresenceOnline", input: RuleWorld.advanced("On", RuleConditions(presence: [.online]))),
        RefusalCase(parameter: "AuthorizedForwardPresenceAbsent", input: RuleWorld.advanced("Away", RuleConditions(presence: [.absent, .online]))),
        RefusalCase(parameter: "AuthorizedForwardPresenceBusy", input: RuleWorld.advanced("Busy", RuleConditions(presence: [.busy]))),
        RefusalCase(parameter: "AuthorizedForwardPresenceOffline", input: RuleWorld.advanced("Off", RuleConditions(presence: [.offline]))),
        RefusalCase(parameter: "AuthorizedForwardPresenceCalendar", input: RuleWorld.advanced("Meeting", RuleConditions(presence: [.calendar]))),
    ]

    @Test(arguments: refusals)
    func eachAuthorizedParameterRefusesWhatItCoversAndNamesItself(_ refusal: RefusalCase) async throws {
        let w = try await RuleWorld()
        // Allowed before the parameter is switched off.
        _ = try await w.service.createRule(w.asAlice, refusal.input)
        try await w.set(refusal.parameter, "false", for: w.alice)
        let error = await domainError { _ = try await w.service.createRule(w.asAlice, refusal.input) }
        #expect(error?.code == "rule_not_authorized")
        #expect(error?.kind == .forbidden)
        #expect(error?.parameter == refusal.parameter)
        #expect(error?.message.contains(refusal.parameter) == true)
    }

    @Test func aRuleWriteOfAnyKindNeedsAuthorizeSimpleRules() async throws {
        let w = try await RuleWorld()
        let rule = try await w.service.createRule(w.asAlice, RuleWorld.simple("A"))
        try await w.set("AuthorizeSimpleRules", "false", for: w.alice)
        for write in [
            { _ = try await w.service.updateRule(w.asAlice, id: rule.rule.id!, RuleWorld.simple("B")) },
            { try await w.service.deleteRule(w.asAlice, id: rule.rule.id!) },
            { _ = try await w.service.setRuleOrder(w.asAlice, ids: [rule.rule.id!]) },
        ] as [@Sendable () async throws -> Void] {
            #expect(await domainError(write)?.parameter == "AuthorizeSimpleRules")
        }
        #expect(try await w.service.rules(w.asAlice).count == 1)
    }

    @Test func theGuidesMisspeltAbsentParameterRefusesLikeTheCanonicalName() async throws {
        let w = try await RuleWorld()
        try await w.set("AuthorizedForwardPresenceAsbsent", "false", for: w.alice)
        let error = await domainError { _ = try await w.service.createRule(w.asAlice, RuleWorld.advanced("Away", RuleConditions(presence: [.absent]))) }
        #expect(error?.code == "rule_not_authorized")
        #expect(error?.parameter == "AuthorizedForwardPresenceAbsent")
        _ = try await w.service.createRule(w.asAlice, RuleWorld.advanced("On", RuleConditions(presence: [.online])))
    }

    @Test func anAdvancedRuleNeedsTheTWSRulesApplication() async throws {
        let w = try await RuleWorld()
        let bob = w.principal(w.bob)
        let error = await domainError { _ = try await w.service.createRule(bob, RuleWorld.advanced("Out", RuleConditions(origin: RuleOrigin(match: .external)))) }
        #expect(error?.code == "application_not_authorized")
        _ = try await w.service.createRule(bob, RuleWorld.simple("Simple rules need no licence"))
    }

    @Test func anImposedRuleIsSeenByTheUserAndCannotBeChangedByThem() async throws {
        let w = try await RuleWorld()
        let own = try await w.service.createRule(w.asAlice, RuleWorld.simple("Mine"))
        let onUser = try await w.service.imposeRule(w.world.root, userId: w.alice.id!, RuleWorld.simple("Theirs"))
        let team = try await w.world.group("Team", in: w.domain, members: [w.alice])
        let onGroup = try await w.service.imposeRule(w.world.root, groupId: team.id!, RuleWorld.simple("Team's", .busy))

        let rules = try await w.service.rules(w.asAlice)
        #expect(rules.map(\.rule.name) == ["Theirs", "Team's", "Mine"])
        #expect(rules[0].rule.imposed && rules[0].rule.source == .administrator)
        #expect(rules[0].imposedOn == RuleView.Imposer(owner: .user(w.alice.id!), name: "alice"))
        #expect(rules[1].imposedOn == RuleView.Imposer(owner: .group(team.id!), name: "Team"))
        #expect(rules[2].imposedOn == nil)
        #expect(try await w.service.rule(w.asAlice, id: onGroup.rule.id!).rule.name == "Team's")

        for id in [onUser.rule.id!, onGroup.rule.id!] {
            #expect(await domainError { _ = try await w.service.updateRule(w.asAlice, id: id, RuleWorld.simple("Changed")) }?.code == "rule_imposed")
            #expect(await domainError { try await w.service.deleteRule(w.asAlice, id: id) }?.code == "rule_imposed")
        }
        // Bob is not in the group: the group's rule is not his to see.
        #expect(await domainError { _ = try await w.service.rule(w.principal(w.bob), id: onGroup.rule.id!) }?.code == "not_found")
        #expect(try await w.service.rules(w.asAlice).count == 3)
        _ = own
    }

    @Test func withImposedRulesCreatingNeedsIsUserAuthorizedToCreateWithAdminRules() async throws {
        let w = try await RuleWorld()
        try await w.set("IsUserAuthorizedToCreateWithAdminRules", "false", for: w.alice, application: .rules)
        _ = try await w.service.createRule(w.asAlice, RuleWorld.simple("Before any imposed rule"))
        let team = try await w.world.group("Team", in: w.domain, members: [w.alice])
        _ = try await w.service.imposeRule(w.world.root, groupId: team.id!, RuleWorld.simple("Team's"))
        let error = await domainError { _ = try await w.service.createRule(w.asAlice, RuleWorld.simple("After")) }
        #expect(error?.code == "rule_not_authorized")
        #expect(error?.parameter == "IsUserAuthorizedToCreateWithAdminRules")
    }

    @Test func imposedRulesIgnoreTheUsersAuthorizedParameters() async throws {
        let w = try await RuleWorld()
        try await w.set("AuthorizedForwardTypeBusy", "false", for: w.alice)
        let view = try await w.service.imposeRule(w.world.root, userId: w.alice.id!, RuleWorld.simple("Busy", .busy))
        #expect(view.rule.imposed && view.rule.userId == w.alice.id)
    }

    @Test func aRulesMeaningIsCheckedOnBothSides() async throws {
        let w = try await RuleWorld()
        let other = try await w.world.tenant("Other")
        let stranger = try await w.world.callerUser("stranger", in: other.domain)
        func attempt(_ destination: RuleDestination, conditions: RuleConditions? = nil) async -> DomainError? {
            let input = RuleInput(name: "R", kind: conditions == nil ? .simple : .advanced, action: RuleAction(type: .immediate, destination: destination), conditions: conditions)
            return await domainError { _ = try await w.service.createRule(w.asAlice, input) }
        }
        let itself = await attempt(.colleague(userId: w.alice.id!))
        #expect(itself?.code == "invalid_rule" && itself?.field == "forward.destination.userId")
        let elsewhere = await attempt(.colleague(userId: stranger.id!))
        #expect(elsewhere?.code == "not_found" && elsewhere?.field == "forward.destination.userId")
        let voicemail = await attempt(.voicemail)
        #expect(voicemail?.code == "no_voicemail_number")
        let holiday = await attempt(.number("2000"), conditions: RuleConditions(schedule: RuleSchedule(exceptions: ["2026-02-30"])))
        #expect(holiday?.code == "invalid_rule" && holiday?.field == "conditions.schedule.exceptions")
        // What the contract's schema says of lists and numbers holds for SOAP clients and the domain's callers too.
        let noRanges = await attempt(.number("2000"), conditions: RuleConditions(schedule: RuleSchedule(ranges: [])))
        #expect(noRanges?.code == "invalid_rule" && noRanges?.field == "conditions.schedule.ranges")
        let noDays = await attempt(.number("2000"), conditions: RuleConditions(schedule: RuleSchedule(days: [])))
        #expect(noDays?.code == "invalid_rule" && noDays?.field == "conditions.schedule.days")
        let noPresence = await attempt(.number("2000"), conditions: RuleConditions(presence: []))
        #expect(noPresence?.code == "invalid_rule" && noPresence?.field == "conditions.presence")
        let badPrefix = await attempt(.number("2000"), conditions: RuleConditions(origin: RuleOrigin(match: .numbers, numbers: ["01*2"])))
        #expect(badPrefix?.code == "invalid_rule" && badPrefix?.field == "conditions.origin.numbers")
        let noKeys = await attempt(.number("call me"))
        #expect(noKeys?.code == "invalid_field" && noKeys?.field == "forward.destination.number")
        let directory = await attempt(.number("2000"), conditions: RuleConditions(origin: RuleOrigin(match: .directory, directoryId: 4242)))
        #expect(directory?.code == "not_found" && directory?.field == "conditions.origin.directoryId")
        let conditionsOnSimple = await domainError {
            _ = try await w.service.createRule(
                w.asAlice,
                RuleInput(name: "S", kind: .simple, action: RuleAction(type: .immediate, destination: .number("2000")), conditions: RuleConditions(presence: [.busy]))
            )
        }
        #expect(conditionsOnSimple?.field == "conditions")

        try await w.set("vmNumber", "8000", for: w.alice)
        #expect(await attempt(.voicemail) == nil)
        #expect(await attempt(.colleague(userId: w.bob.id!)) == nil)

        // A group's colleague must not be one of its members.
        let team = try await w.world.group("Team", in: w.domain, members: [w.alice, w.bob])
        let member = await domainError {
            _ = try await w.service.imposeRule(
                w.world.root,
                groupId: team.id!,
                RuleInput(name: "G", kind: .simple, action: RuleAction(type: .immediate, destination: .colleague(userId: w.bob.id!)))
            )
        }
        #expect(member?.code == "invalid_rule" && member?.field == "forward.destination.userId")
    }

    @Test func companiesNeverSeeEachOthersRules() async throws {
        let w = try await RuleWorld()
        let rule = try await w.service.createRule(w.asAlice, RuleWorld.simple("Mine"))
        let other = try await w.world.tenant("Other")
        let stranger = try await w.world.callerUser("stranger", in: other.domain)
        let outsider = w.principal(stranger)
        #expect(await domainError { _ = try await w.service.rule(outsider, id: rule.rule.id!) }?.code == "not_found")
        #expect(await domainError { _ = try await w.service.updateRule(outsider, id: rule.rule.id!, RuleWorld.simple("X")) }?.code == "not_found")
        #expect(await domainError { try await w.service.deleteRule(outsider, id: rule.rule.id!) }?.code == "not_found")
        // Bob, of the same company, does not see alice's own rule either.
        #expect(await domainError { _ = try await w.service.rule(w.principal(w.bob), id: rule.rule.id!) }?.code == "not_found")

        let otherAdmin = w.world.scopedAdmin([other.company])
        #expect(await domainError { _ = try await w.service.rule(otherAdmin, id: rule.rule.id!) }?.code == "not_found")
        #expect(await domainError { _ = try await w.service.rules(otherAdmin, userId: w.alice.id!) }?.code == "not_found")
        #expect(await domainError { _ = try await w.service.imposeRule(otherAdmin, userId: w.alice.id!, RuleWorld.simple("X")) }?.code == "not_found")
        #expect(await domainError { try await w.service.deleteRule(otherAdmin, id: rule.rule.id!) }?.code == "not_found")
        let ownAdmin = w.world.scopedAdmin([w.company])
        #expect(try await w.service.rule(ownAdmin, id: rule.rule.id!).rule.name == "Mine")
    }

    @Test func sharedRulesShowEachMembersFirstActiveRuleOnly() async throws {
        let w = try await RuleWorld()
        let carol = try await w.world.callerUser("carol", in: w.domain)
        _ = try await w.world.group("Bosses", in: w.domain, members: [w.alice, w.bob])
        #expect(try await w.service.sharedRules(w.principal(carol)).isEmpty)

        try await w.set("AuthorizeShareRulesGroup", "Bosses", for: carol)
        var inactive = RuleWorld.simple("Off")
        inactive.active = false
        _ = try await w.service.createRule(w.asAlice, inactive)
        _ = try await w.service.createRule(w.asAlice, RuleInput(name: "To bob", kind: .simple, action: RuleAction(type: .noAnswer, destination: .colleague(userId: w.bob.id!))))
        _ = try await w.service.createRule(w.asAlice, RuleWorld.simple("Later"))

        let shared = try await w.service.sharedRules(w.principal(carol))
        #expect(shared.map(\.userName) == ["alice", "bob"])
        #expect(shared[0].rule == SharedRule.Summary(name: "To bob", type: .noAnswer, destination: "1002", destinationName: "bob"))
        #expect(shared[1].rule == nil)
    }
}

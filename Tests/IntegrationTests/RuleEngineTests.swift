import Domain
import Foundation
import HummingbirdTesting
import Logging
import Storage
import Synchronization
import Telephony
import Testing

@testable import Server

/// Forwarding rules run by the server on real calls (issue 18, "Must show"): the PBX simulator over TCP delivers calls,
/// the server evaluates the called user's rules and deflects through CSTA. Rules are written straight into the store
/// (their CRUD endpoints are another part of the issue). Alice is 1001, bob 1002, carol 1003, dave 1004.
@Suite("Forwarding rules run by the server", .serialized)
struct RuleEngineTests {
    static let external = "0612345678"
    static let mobile = "0699887766"
    /// The mobile as the domain's dialing plan sends it to the PBX (external prefix "0" in front).
    static let dialledMobile = "00699887766"
    static let zone = "Asia/Tokyo"

    // MARK: Scenarios

    @Test("An external call out of hours goes to the mobile number; an internal call rings as usual", arguments: SimulatorStyle.allCases)
    func anExternalCallOutOfHoursGoesToTheMobile(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style, setUp: Self.rulesWorld) { w in
            let rule = try await w.addRule(
                "alice",
                "Out of hours",
                .immediate,
                .number(Self.mobile),
                RuleConditions(origin: RuleOrigin(match: .external), schedule: Self.hours(containingNow: false, outside: true))
            )
            let events = try await w.subscribe("alice")
            // Internal: the rule is for external callers, the call rings at alice.
            _ = try await w.simulator.placeCall(from: "1002", to: "1001")
            try await w.waitPresence("alice", "ringing")
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await w.presence("alice") == "ringing")
            try await w.simulator.hangUp(device: "1002")
            try await w.waitPresence("alice", "idle")
            // External, out of hours: deflected to the mobile.
            _ = try await w.simulator.placeCall(from: Self.external, to: "1001")
            let seen = try await collect(events) { $0.contains { $0.ruleApplied != nil } }
            let applied = try #require(seen.compactMap(\.ruleApplied).first)
            #expect(applied.outcome == .forwarded && applied.ruleId == rule.id && applied.ruleName == "Out of hours")
            #expect(
                applied.device == "1001" && applied.callerNumber == Self.external && applied.type == .immediate
                    && applied.destination == Self.dialledMobile
            )
            try await eventually("the call at the mobile") { await w.simulator.state(of: Self.dialledMobile).contains { $0.state == .alerting } }
            #expect(await w.simulator.state(of: "1001").isEmpty)
            // Alice's history marks the call as forwarded by the rule.
            try await w.simulator.hangUp(device: Self.external)
            let entry = try await w.waitLog("alice", count: 2)
            let mark = try #require(entry["forwardedByRule"] as? [String: Any], "\(entry)")
            #expect(
                mark.string("ruleName") == "Out of hours" && mark.string("destination") == Self.dialledMobile
                    && mark.int("ruleId") == Int(rule.id ?? 0)
            )
            let internalCall = try #require(try await w.callLog("alice").last)
            #expect(internalCall["forwardedByRule"] == nil)
        }
    }

    @Test("An external call in hours rings as usual: the out-of-hours rule does not fire")
    func anExternalCallInHoursRingsAsUsual() async throws {
        try await TelephonyWorld.run(setUp: Self.rulesWorld) { w in
            try await w.addRule(
                "alice",
                "Out of hours",
                .immediate,
                .number(Self.mobile),
                RuleConditions(origin: RuleOrigin(match: .external), schedule: Self.hours(containingNow: true, outside: true))
            )
            _ = try await w.simulator.placeCall(from: Self.external, to: "1001")
            try await w.waitPresence("alice", "ringing")
            try await Task.sleep(for: .seconds(1))
            #expect(try await w.presence("alice") == "ringing")
            #expect(await w.simulator.state(of: Self.dialledMobile).isEmpty)
        }
    }

    @Test("A VIP caller bypasses the do-not-disturb rule that sends everyone else to voicemail")
    func aVipBypassesTheDoNotDisturbRule() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tws-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("id;nom;tel;vip\nv-1;Boss;+33 1 55 17 18 89;Gold\n".utf8).write(to: folder.appendingPathComponent("vip.csv"))
        try await TelephonyWorld.run(
            app: { $0.csvImportFolder = folder.path },
            setUp: { client, admin, domainId, users in
                try await Self.rulesWorld(client, admin, domainId, users)
                let directoryId = try await client.create(
                    "/api/v1/admin/domains/\(domainId)/directories",
                    token: admin,
                    json: #"{"name":"Clients","source":"Csv","kind":"public","priority":30,"#
                        + #""connection":{"csv":{"path":"vip.csv","headerRow":true,"delimiter":";","encoding":"UTF-8"}},"#
                        + #""fieldMap":{"fields":{"id":"id","lastName":"nom","professionalPhone":"tel","private0":"vip"},"#
                        + #""privateLabels":{"0":"[VIP]"}},"synchronization":{"mode":"manual"}}"#
                )
                try await client.grant("directory", directoryId, to: "user", users["alice"]!, token: admin)
                let report = try await client.must(.post, "/api/v1/admin/directories/\(directoryId)/sync?wait=true", token: admin).json()
                try #require(report.string("state") == "succeeded", "\(report)")
                _ = try await client.setParameter(
                    scope: "user",
                    scopeId: users["alice"]!,
                    application: "Caller",
                    name: "vmNumber",
                    value: "1004",
                    token: admin
                )
            }
        ) { w in
            try await w.addRule(
                "alice",
                "Do not disturb",
                .immediate,
                .voicemail,
                RuleConditions(origin: RuleOrigin(match: .vip, except: true), presence: [.busy])
            )
            try await w.client.must(.put, "/api/v1/me/presence", token: w.token("alice"), json: #"{"status":"do_not_disturb"}"#)
            // Anyone else goes to voicemail (dave's 1004 here).
            _ = try await w.simulator.placeCall(from: Self.external, to: "1001")
            try await w.waitPresence("dave", "ringing")
            #expect(await w.simulator.state(of: "1001").isEmpty)
            try await w.simulator.hangUp(device: Self.external)
            try await w.waitPresence("dave", "idle")
            // The VIP rings through.
            _ = try await w.simulator.placeCall(from: "0155171889", to: "1001")
            try await w.waitPresence("alice", "ringing")
            try await Task.sleep(for: .seconds(1))
            #expect(try await w.presence("alice") == "ringing")
            #expect(try await w.presence("dave") == "idle")
        }
    }

    @Test("A no-answer rule forwards after WAITTIMENOREPLY seconds, not before, and not an answered call", arguments: SimulatorStyle.allCases)
    func aNoAnswerRuleFiresAfterTheTimerAndNotBefore(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style, setUp: Self.rulesWorld) { w in
            _ = try await w.client.setParameter(
                scope: "user",
                scopeId: w.userId("alice"),
                application: "Rules",
                name: "WAITTIMENOREPLY",
                value: "3",
                token: w.adminToken
            )
            try await w.addRule("alice", "Unanswered to carol", .noAnswer, .colleague(userId: w.userId("carol")))
            let events = try await w.subscribe("alice")
            let start = ContinuousClock.now
            _ = try await w.simulator.placeCall(from: "1002", to: "1001")
            try await w.waitPresence("alice", "ringing")
            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await w.presence("alice") == "ringing", "still ringing before the timer")
            #expect(try await w.presence("carol") == "idle")
            try await w.waitPresence("carol", "ringing")
            #expect(ContinuousClock.now - start >= .milliseconds(2900))
            let applied = try #require(try await collect(events) { $0.contains { $0.ruleApplied != nil } }.compactMap(\.ruleApplied).first)
            #expect(applied.outcome == .forwarded && applied.type == .noAnswer && applied.destination == "1003")
            try await w.simulator.hangUp(device: "1002")
            try await w.waitPresence("carol", "idle")
            // Answered within the time: nothing happens when the timer would have fired.
            _ = try await w.simulator.placeCall(from: "1002", to: "1001")
            try await w.waitPresence("alice", "ringing")
            _ = try await w.simulator.answer(device: "1001")
            try await w.waitPresence("alice", "busy")
            try await Task.sleep(for: .seconds(4))
            #expect(try await w.presence("alice") == "busy")
            #expect(try await w.presence("carol") == "idle")
        }
    }

    @Test("A busy rule forwards a second call while the user is in a call", arguments: SimulatorStyle.allCases)
    func aBusyRuleForwardsTheSecondCall(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style, simulator: { $0.switchConfiguration.callWaiting = true }, setUp: Self.rulesWorld) { w in
            try await w.addRule("alice", "Busy to dave", .busy, .colleague(userId: w.userId("dave")))
            // A first call rings as usual (not busy), alice answers.
            _ = try await w.simulator.placeCall(from: "1002", to: "1001")
            try await w.waitPresence("alice", "ringing")
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await w.presence("dave") == "idle")
            _ = try await w.simulator.answer(device: "1001")
            try await w.waitPresence("alice", "busy")
            // The second goes to dave.
            _ = try await w.simulator.placeCall(from: "1003", to: "1001")
            try await w.waitPresence("dave", "ringing")
            #expect(await w.simulator.state(of: "1001").map(\.state) == [.connected])
        }
    }

    @Test("A colleague chain A→B→C is followed: each user's rules run where the call arrives")
    func aColleagueChainIsFollowed() async throws {
        try await TelephonyWorld.run(setUp: Self.rulesWorld) { w in
            try await w.addRule("alice", "To bob", .immediate, .colleague(userId: w.userId("bob")))
            try await w.addRule("bob", "To carol", .immediate, .colleague(userId: w.userId("carol")))
            let aliceEvents = try await w.subscribe("alice")
            let bobEvents = try await w.subscribe("bob")
            _ = try await w.simulator.placeCall(from: "1004", to: "1001")
            try await w.waitPresence("carol", "ringing")
            #expect(await w.simulator.state(of: "1001").isEmpty)
            #expect(await w.simulator.state(of: "1002").isEmpty)
            let byAlice = try #require(try await collect(aliceEvents) { $0.contains { $0.ruleApplied != nil } }.compactMap(\.ruleApplied).first)
            let byBob = try #require(try await collect(bobEvents) { $0.contains { $0.ruleApplied?.device == "1002" } }.compactMap(\.ruleApplied).last)
            #expect(byAlice.destination == "1002" && byAlice.outcome == .forwarded)
            #expect(byBob.destination == "1003" && byBob.outcome == .forwarded && byBob.callId == byAlice.callId)
        }
    }

    @Test("A loop A→B→A saved while CIRCULARLEVEL was 0 is not executed once it is 2: the call stays at B")
    func aLoopIsNotExecutedAtRunTime() async throws {
        try await TelephonyWorld.run(setUp: Self.rulesWorld) { w in
            _ = try await w.client.setParameter(
                scope: "domain",
                scopeId: w.domainId,
                application: "Rules",
                name: "CIRCULARLEVEL",
                value: "0",
                token: w.adminToken
            )
            try await w.addRule("alice", "To bob", .immediate, .colleague(userId: w.userId("bob")))
            try await w.addRule("bob", "Back to alice", .immediate, .colleague(userId: w.userId("alice")))
            _ = try await w.client.setParameter(
                scope: "domain",
                scopeId: w.domainId,
                application: "Rules",
                name: "CIRCULARLEVEL",
                value: "2",
                token: w.adminToken
            )
            let bobEvents = try await w.subscribe("bob")
            _ = try await w.simulator.placeCall(from: "1004", to: "1001")
            let applied = try #require(
                try await collect(bobEvents) { $0.contains { $0.ruleApplied?.device == "1002" } }.compactMap(\.ruleApplied).last
            )
            #expect(applied.outcome == .loopPrevented && applied.ruleName == "Back to alice")
            #expect(applied.chain == ["1001", "1002", "1001"])
            try await w.waitPresence("bob", "ringing")
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await w.presence("bob") == "ringing")
            #expect(try await w.presence("alice") == "idle")
        }
    }

    @Test("With CreateOnlyRUL a simple rule is run by the server: the call is deflected and no PBX forwarding is set")
    func createOnlyRulesAreRunByTheServer() async throws {
        try await TelephonyWorld.run(setUp: Self.rulesWorld) { w in
            _ = try await w.client.setParameter(
                scope: "user",
                scopeId: w.userId("alice"),
                application: "Rules",
                name: "CreateOnlyRUL",
                value: "true",
                token: w.adminToken
            )
            try await w.addRule("alice", "Everything to dave", .immediate, .number("1004"), kind: .simple)
            _ = try await w.simulator.placeCall(from: "1002", to: "1001")
            try await w.waitPresence("dave", "ringing")
            #expect(await w.simulator.forwarding(of: "1001").filter(\.forwardStatus).isEmpty)
        }
    }

    @Test("Without CreateOnlyRUL a simple rule is left to the PBX: the server does not deflect")
    func simpleRulesAreLeftToThePBX() async throws {
        try await TelephonyWorld.run(setUp: Self.rulesWorld) { w in
            try await w.addRule("alice", "Everything to dave", .immediate, .number("1004"), kind: .simple)
            _ = try await w.simulator.placeCall(from: "1002", to: "1001")
            try await w.waitPresence("alice", "ringing")
            try await Task.sleep(for: .seconds(1))
            #expect(try await w.presence("alice") == "ringing")
            #expect(try await w.presence("dave") == "idle")
        }
    }

    @Test("A forward the PBX refuses is pushed as failed with the PBX's reason, and the call keeps ringing")
    func aRefusedForwardIsPushedAsFailed() async throws {
        try await TelephonyWorld.run(setUp: Self.rulesWorld) { w in
            // The caller itself: the PBX cannot deflect a call to a party already in it.
            try await w.addRule("alice", "Back to bob", .immediate, .number("1002"))
            let events = try await w.subscribe("alice")
            _ = try await w.simulator.placeCall(from: "1002", to: "1001")
            let applied = try #require(try await collect(events) { $0.contains { $0.ruleApplied != nil } }.compactMap(\.ruleApplied).first)
            #expect(applied.outcome == .failed && applied.reason == "invalidDestination")
            #expect(try await w.presence("alice") == "ringing")
        }
    }

    // MARK: Restart

    @Test("A no-answer timer survives a restart mid-call: the call is deflected once, after the deadline")
    func aTimerSurvivesARestartWithoutADoubleForward() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("tws-rules-restart-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: data) }
        var logger = Logger(label: "tws-rule-tests")
        logger.logLevel = .critical
        let simulator = PBXSimulator(configuration: .init(keepAliveInterval: nil), logger: logger)
        try await simulator.running { pbxPort in
            await simulator.pbxSwitch.startTracing()
            let placed = Mutex<ContinuousClock.Instant?>(nil)
            let ids = Mutex<(domainId: Int64, carol: Int64)>((0, 0))
            // First run: the world, a 3-second no-answer rule, a call that rings; the server stops after 1 s.
            try await Self.restartableServer(data: data, logger: logger) { server, client in
                let admin = try await client.superUserToken()
                let companyId = try await client.createCompany("Telco", token: admin)
                for application in ["Caller", "Rules"] {
                    _ = try await client.setLicence(application, companyId: companyId, available: 50, token: admin)
                }
                let domainId = try await client.createDomain(companyId: companyId, name: "Lyon", token: admin)
                var users: [String: Int64] = [:]
                for (name, number) in TelephonyWorld.people {
                    let id = try await client.createUser(domainId: domainId, username: name, password: TelephonyWorld.password, token: admin)
                    _ = try await client.create("/api/v1/admin/users/\(id)/devices", token: admin, json: #"{"number":"\#(number)"}"#)
                    users[name] = id
                }
                _ = try await client.grantApplication("Rules", granteeType: "user", granteeId: users["alice"]!, token: admin)
                _ = try await client.setParameter(
                    scope: "user",
                    scopeId: users["alice"]!,
                    application: "Rules",
                    name: "WAITTIMENOREPLY",
                    value: "3",
                    token: admin
                )
                _ = try await client.create(
                    "/api/v1/admin/domains/\(domainId)/pbx-links",
                    token: admin,
                    json: #"{"host":"127.0.0.1","port":\#(pbxPort),"capacity":100,"pbxType":"simulator","username":"tws","password":"pbx-secret"}"#
                )
                let (alice, carol) = (users["alice"]!, users["carol"]!)
                ids.withLock { $0 = (domainId, carol) }
                _ = try await server.database.write { tx in
                    try tx.insert(
                        ForwardingRule(
                            companyId: companyId,
                            domainId: domainId,
                            owner: .user(alice),
                            imposed: false,
                            name: "Unanswered to carol",
                            kind: .advanced,
                            active: true,
                            priority: 1,
                            source: .user,
                            action: RuleAction(type: .noAnswer, destination: .colleague(userId: carol)),
                            updatedAt: Date()
                        )
                    )
                }
                try await server.services.supervision.replan()
                try await eventually("monitors") { await simulator.monitoredDevices().isSuperset(of: ["1001", "1003"]) }
                try await eventually("lines known") { server.events.line(domainId: domainId, device: "1001")?.monitored == true }
                _ = try await simulator.placeCall(from: "1002", to: "1001")
                placed.withLock { $0 = .now }
                try await eventually("ringing at alice, seen by the server") {
                    server.events.line(domainId: domainId, device: "1001")?.calls.contains { $0.state == .alerting } == true
                }
                try await Task.sleep(for: .seconds(1))
            }
            #expect(await simulator.state(of: "1001").map(\.state) == [.alerting], "the call still rings while no server runs")
            // Second run, same database and PBX: the timer is re-armed and fires once.
            try await Self.restartableServer(data: data, logger: logger) { server, _ in
                try await server.services.supervision.replan()
                try await eventually("deflected to carol", timeout: .seconds(15)) {
                    await simulator.state(of: "1003").contains { $0.state == .alerting }
                }
                let elapsed = ContinuousClock.now - placed.withLock { $0! }
                #expect(elapsed >= .milliseconds(2900), "not before the deadline: \(elapsed)")
                try await Task.sleep(for: .seconds(1))
            }
            let deflections = await simulator.pbxSwitch.takeTrace().filter { $0.event == "DeflectCall" }
            #expect(deflections.count == 1, "\(deflections)")
            #expect(deflections.first?.device == "1001")
            let (domainId, _) = ids.withLock { $0 }
            let stored = try await AppDatabase.open(directory: data).read { tx in try tx.waitingRuleExecutions() }
            #expect(stored.isEmpty && domainId > 0)
        }
    }

    /// One server process over the database in `data`, its services running while `body` runs, then shut down as on
    /// SIGTERM.
    static func restartableServer(
        data: URL,
        logger: Logger,
        _ body: @Sendable (TWSServer, any TestClientProtocol) async throws -> Void
    ) async throws {
        let database = try AppDatabase.open(directory: data)
        var options = ServerOptions(refreshInterval: .seconds(3600), callTiming: TelephonyWorld.callTiming)
        options.tuneLinks = { link in
            // The production 5 s: a loaded CI machine has been seen to take over 2 s for one request.
            link.requestTimeout = .seconds(5)
            link.keepAliveInterval = .seconds(1)
            link.initialBackoff = .milliseconds(50)
            link.maximumBackoff = .milliseconds(400)
        }
        var configuration = TWSTestApp.configuration()
        configuration.dataDirectory = data.path
        let server = try await buildServer(configuration: configuration, database: database, logger: logger, options: options)
        try await server.running(logger: logger) {
            try await server.api.test(.router) { client in try await body(server, client) }
        }
    }

    // MARK: Set-up

    /// TWS Rules licensed and authorised to alice, bob and carol, and the domain in Tokyo's time zone (schedules are
    /// read in it).
    @Sendable
    static func rulesWorld(_ client: any TestClientProtocol, _ admin: String, _ domainId: Int64, _ users: [String: Int64]) async throws {
        let domain = try await client.must(.get, "/api/v1/admin/domains/\(domainId)", token: admin).json()
        let companyId = try #require(domain.int("companyId"))
        _ = try await client.setLicence("Rules", companyId: Int64(companyId), available: 50, token: admin)
        for name in ["alice", "bob", "carol"] {
            try #require(try await client.grantApplication("Rules", granteeType: "user", granteeId: users[name]!, token: admin).status == .created)
        }
        try await client.must(.patch, "/api/v1/admin/domains/\(domainId)", token: admin, json: #"{"timeZone":"\#(zone)"}"#)
    }

    /// Office hours two hours long in the domain's zone, holding now or starting an hour from now.
    static func hours(containingNow: Bool, outside: Bool) -> RuleSchedule {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        let parts = calendar.dateComponents([.hour, .minute], from: Date())
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        let from = containingNow ? (minute + 1440 - 60) % 1440 : (minute + 60) % 1440
        return RuleSchedule(ranges: [RuleTimeRange(from: from, to: (from + 120) % 1440)], outside: outside)
    }
}

extension TelephonyWorld {
    /// Stores an active rule of `user` (their own, last in their list), as the rule endpoints would.
    @discardableResult
    func addRule(
        _ user: String,
        _ name: String,
        _ type: ForwardingKind,
        _ destination: RuleDestination,
        _ conditions: RuleConditions? = nil,
        kind: RuleKind = .advanced
    ) async throws -> ForwardingRule {
        let (companyId, domainId, userId) = (companyId, domainId, userId(user))
        return try await server.database.write { tx in
            let priority = (try tx.forwardingRules(userId: userId).map(\.priority).max() ?? 0) + 1
            return try tx.insert(
                ForwardingRule(
                    companyId: companyId,
                    domainId: domainId,
                    owner: .user(userId),
                    imposed: false,
                    name: name,
                    kind: kind,
                    active: true,
                    priority: priority,
                    source: .user,
                    action: RuleAction(type: type, destination: destination),
                    conditions: kind == .advanced ? conditions : nil,
                    updatedAt: Date()
                )
            )
        }
    }
}

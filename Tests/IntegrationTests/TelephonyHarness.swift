import Domain
import Endpoints
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Storage
import Synchronization
import Telephony
import Testing

@testable import Server

/// The whole server, built as `serve` builds it, supervising a real PBX simulator over TCP on loopback.
///
/// The world: one company and domain, users alice (1001), bob (1002), carol (1003) and dave (1004) with the
/// password `pw-telephony`, a PBX link to the simulator speaking in `style` (its own plain ECMA-323, or the manners of
/// real switches), and the monitors up before the test starts. The telephony runtime runs as the server runs it
/// (supervision, call sweeps), with a short failed-call linger and link-loss grace. A live world also listens on real
/// ports (the API and the push channel, on loopback), for clients outside the process such as a browser.
struct TelephonyWorld: Sendable {
    let client: any TestClientProtocol
    let simulator: PBXSimulator
    let server: TWSServer
    let adminToken: String
    let companyId: Int64
    let domainId: Int64
    let linkId: Int64
    let userIds: [String: Int64]
    let tokens: [String: String]
    let style: SimulatorStyle
    /// The push listener's port, when the world is live (`run(live: true)`); the API's is `client.port`.
    let pushPort: Int?

    static let password = "pw-telephony"
    /// The bearer token `GET /metrics` wants in this world.
    static let metricsToken = "scrape-secret-0123456789"
    static let people = ["alice": "1001", "bob": "1002", "carol": "1003", "dave": "1004"]

    func token(_ user: String) -> String { tokens[user]! }
    func userId(_ user: String) -> Int64 { userIds[user]! }

    /// How long calls linger in this world: failed calls leave after 1 s, a down link's calls end after 3 s.
    static let callTiming = CallModel.Timing(failedLinger: 1, initiatedCheck: 2, unansweredCheck: 120, answeredCheck: 3600, linkLossGrace: 3)

    static func run(
        style: SimulatorStyle = .plain,
        simulator configure: (inout PBXSimulator.Configuration) -> Void = { _ in },
        pbxType: String = "simulator",
        app configureApp: (inout AppConfiguration) -> Void = { _ in },
        link configureLink: @escaping @Sendable (inout CSTALinkConfiguration) -> Void = { _ in },
        live: Bool = false,
        setUp: @Sendable (any TestClientProtocol, _ adminToken: String, _ domainId: Int64, _ userIds: [String: Int64]) async throws -> Void = {
            _,
            _,
            _,
            _ in
        },
        _ test: @Sendable (TelephonyWorld) async throws -> Void
    ) async throws {
        var simulatorConfiguration = PBXSimulator.Configuration(edition: style.defaultEdition, style: style, keepAliveInterval: nil)
        simulatorConfiguration.switchConfiguration.numbering.queues = ["7777": ["1002", "1003"]]
        configure(&simulatorConfiguration)
        var logger = Logger(label: "tws-telephony-tests")
        logger.logLevel = .critical
        let simulator = PBXSimulator(configuration: simulatorConfiguration, logger: logger)
        try await simulator.running { pbxPort in
        let database = try AppDatabase.inMemory()
        var options = ServerOptions(refreshInterval: .seconds(3600), callTiming: callTiming)
        options.tuneLinks = { link in
            // The production 5 s: a loaded CI machine has been seen to take over 2 s for one request.
            link.requestTimeout = .seconds(5)
            link.frameStallTimeout = .seconds(1)
            link.keepAliveInterval = .seconds(1)
            link.initialBackoff = .milliseconds(50)
            link.maximumBackoff = .milliseconds(400)
            configureLink(&link)
        }
        var configuration = TWSTestApp.configuration()
        configuration.metricsToken = metricsToken
        configureApp(&configuration)
        let server = try await buildServer(configuration: configuration, database: database, logger: logger, options: options)
        // The server's own loops (call sweeps, retention, links) run as in `serve`; supervision is driven by the test.
            try await server.running(logger: logger) {
            @Sendable func enter(_ client: any TestClientProtocol, _ pushPort: Int?) async throws {
                let admin = try await client.superUserToken()
                let companyId = try await client.createCompany("Telco", token: admin)
                for application in ["Caller", "Alerter"] {
                    _ = try await client.setLicence(application, companyId: companyId, available: 50, token: admin)
                }
                let domainId = try await client.createDomain(companyId: companyId, name: "Lyon", token: admin)
                var userIds: [String: Int64] = [:]
                for (name, number) in people.sorted(by: { $0.value < $1.value }) {
                    let id = try await client.createUser(domainId: domainId, username: name, password: password, token: admin)
                    _ = try await client.create("/api/v1/admin/users/\(id)/devices", token: admin, json: #"{"number":"\#(number)"}"#)
                    // Issue 19: call control, presence and call logs need TWS Caller (or Toolkit).
                    _ = try await client.grantApplication("Caller", granteeType: "user", granteeId: id, token: admin)
                    userIds[name] = id
                }
                try await setUp(client, admin, domainId, userIds)
                let linkId = try await client.create(
                    "/api/v1/admin/domains/\(domainId)/pbx-links",
                    token: admin,
                    json: #"{"host":"127.0.0.1","port":\#(pbxPort),"capacity":100,"pbxType":"\#(pbxType)","username":"tws","password":"pbx-secret"}"#
                )
                var tokens: [String: String] = [:]
                for name in people.keys { tokens[name] = try await client.userLogin(username: name, password: password) }
                try await server.services.supervision.replan()
                let expected = Set(people.values)
                try await eventually("monitors on \(expected.sorted())") { await simulator.monitoredDevices().isSuperset(of: expected) }
                // And the gateway has taken them in (its call model knows each line), so tests start from a quiet state.
                try await eventually("lines known") {
                    expected.allSatisfy { server.events.line(domainId: domainId, device: $0)?.monitored == true }
                }
                let world = TelephonyWorld(
                    client: client,
                    simulator: simulator,
                    server: server,
                    adminToken: admin,
                    companyId: companyId,
                    domainId: domainId,
                    linkId: linkId,
                    userIds: userIds,
                    tokens: tokens,
                    style: style,
                    pushPort: pushPort
                )
                try await test(world)
            }
            if live {
                try await server.pushApplication.test(.live) { push in
                    try await server.api.test(.live) { client in try await enter(client, push.port) }
                }
            } else {
                try await server.api.test(.router) { client in try await enter(client, nil) }
            }
            }
        }
    }

    // MARK: Views

    /// GET /api/v1/telephony/devices for `user`: number → line JSON.
    func lines(_ user: String) async throws -> [String: [String: Any]] {
        let response = try await client.must(.get, "/api/v1/telephony/devices", token: token(user))
        let array = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: array.map { ($0["number"] as? String ?? "", $0) })
    }

    /// The calls at `user`'s device, as REST shows them.
    func calls(_ user: String) async throws -> [[String: Any]] {
        try await lines(user)[Self.people[user]!]?["calls"] as? [[String: Any]] ?? []
    }

    func presence(_ user: String) async throws -> String? {
        try await lines(user)[Self.people[user]!]?["presence"] as? String
    }

    /// Waits until `user`'s device shows `presence` over REST.
    func waitPresence(_ user: String, _ presence: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await eventually("\(user) \(presence)", sourceLocation: sourceLocation) { (try? await self.presence(user)) == presence }
    }

    /// Waits for a call at `user`'s device in `state` and returns its id.
    @discardableResult
    func waitCall(_ user: String, state: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let found = Mutex<String?>(nil)
        try await eventually("\(user) call \(state)", sourceLocation: sourceLocation) {
            let callId = (try? await self.calls(user))?.first { $0["state"] as? String == state }?["callId"] as? String
            found.withLock { $0 = callId }
            return callId != nil
        }
        return found.withLock { $0 }!
    }

    /// `user`'s call log, newest first.
    func callLog(_ user: String, of other: String? = nil) async throws -> [[String: Any]] {
        let query = other.map { "?userId=\(userId($0))" } ?? ""
        return try await client.must(.get, "/api/v1/call-logs\(query)", token: token(user)).items()
    }

    /// A live subscription to what `user` may see, from now on.
    func subscribe(_ user: String) async throws -> PushSubscription {
        let principal = UserPrincipal(userId: userId(user), domainId: domainId, companyId: companyId, sessionTokenId: "test")
        return try server.bus.subscribe(
            domainId: domainId,
            after: server.bus.currentSeq(domainId: domainId),
            filter: try await server.services.presence.pushFilter(principal)
        )
    }
}

extension TelephonyWorld {
    /// Waits until `user`'s call log has `count` entries and returns the newest.
    @discardableResult
    func waitLog(_ user: String, count: Int = 1, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        try await eventually("\(user)'s call log of \(count)", sourceLocation: sourceLocation) { (try? await self.callLog(user))?.count ?? 0 >= count }
        return try #require(try await callLog(user).first, sourceLocation: sourceLocation)
    }

    /// Checks a call-log entry: its kind, the other party's number, whether it was answered, and times that hold
    /// together (started ≤ answered ≤ ended, duration from the answer).
    func expectLog(
        _ entry: [String: Any],
        _ kind: String,
        peer: String,
        answered: Bool,
        cause: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(entry.string("kind") == kind, "kind of \(entry)", sourceLocation: sourceLocation)
        #expect(entry.string("peerNumber") == peer, "peer of \(entry)", sourceLocation: sourceLocation)
        #expect(entry.string("cause") == cause, "cause of \(entry)", sourceLocation: sourceLocation)
        let formatter = ISO8601DateFormatter()
        let started = entry.string("startedAt").flatMap(formatter.date(from:))
        let ended = entry.string("endedAt").flatMap(formatter.date(from:))
        let answeredAt = entry.string("answeredAt").flatMap(formatter.date(from:))
        #expect(started != nil && ended != nil && ended! >= started!, "times of \(entry)", sourceLocation: sourceLocation)
        #expect((answeredAt != nil) == answered, "answeredAt of \(entry)", sourceLocation: sourceLocation)
        if let answeredAt, let started, let ended {
            #expect(started <= answeredAt && answeredAt <= ended, "answer within the call: \(entry)", sourceLocation: sourceLocation)
        }
    }
}

extension TelephonyWorld {
    /// After alice (1001) called bob (1002), bob answered and the call ended: what each of them was pushed (bob's three
    /// steps, alice's outgoing call ending cleared, clean numbers), returned for further checks.
    @discardableResult
    func expectAnsweredCallPushed(
        alice aliceEvents: PushSubscription,
        bob bobEvents: PushSubscription,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (alice: [PushEvent], bob: [PushEvent]) {
        let bobSaw = try await collect(bobEvents, until: { $0.contains { $0.type == .callLog } }, sourceLocation: sourceLocation)
        #expect(
            bobSaw.calls(at: "1002") == ["delivered alerting incoming 1001", "established connected incoming 1001", "cleared cleared incoming 1001"],
            sourceLocation: sourceLocation
        )
        let aliceSaw = try await collect(aliceEvents, until: { $0.contains { $0.type == .callLog } }, sourceLocation: sourceLocation)
        #expect(aliceSaw.calls(at: "1001").allSatisfy { $0.hasSuffix(" outgoing 1002") }, sourceLocation: sourceLocation)
        #expect(aliceSaw.calls(at: "1001").last == "cleared cleared outgoing 1002", sourceLocation: sourceLocation)
        #expect(bobSaw.numbersAreClean && aliceSaw.numbersAreClean, sourceLocation: sourceLocation)
        return (aliceSaw, bobSaw)
    }
}

extension [PushEvent] {
    /// The call events of `device`, as `event state direction peer` lines (peer numbers as clients see them).
    func calls(at device: String) -> [String] {
        compactMap(\.call).filter { $0.device == device }.map { "\($0.event) \($0.state.rawValue) \($0.direction?.rawValue ?? "-") \($0.peerNumber ?? "-")" }
    }

    /// Whether every number a client was shown is a plain dialling number (no `N<…>` wrapping, no parameters).
    var numbersAreClean: Bool {
        compactMap(\.call).allSatisfy { call in
            [call.device, call.peerNumber].compactMap { $0 }.allSatisfy { number in
                !number.isEmpty && number.allSatisfy { $0.isNumber || $0 == "+" }
            }
        }
    }
}

/// Polls `condition` every 20 ms until it holds, failing after `timeout` (a wait, never a timing assertion: generous,
/// because a CI machine running every suite at once on two cores has been seen to take tens of seconds for a step).
func eventually(
    _ what: String,
    timeout: Duration = .seconds(30),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: @Sendable () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("timed out waiting for \(what)", sourceLocation: sourceLocation)
    throw CancellationError()
}

/// Collects pushed events until `predicate` has seen what it wants (or fails after `timeout`, a generous guard).
func collect(
    _ subscription: PushSubscription,
    timeout: Duration = .seconds(30),
    until done: @escaping @Sendable ([PushEvent]) -> Bool,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> [PushEvent] {
    try await withThrowingTaskGroup(of: [PushEvent]?.self) { group in
        group.addTask {
            var events: [PushEvent] = []
            for try await event in subscription {
                events.append(event)
                if done(events) { return events }
            }
            return events
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        guard let events = first else {
            Issue.record("timed out waiting for push events", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return events
    }
}

extension [PushEvent] {
    /// `event@device` of the call events, in order.
    var callSteps: [String] { compactMap { $0.call.map { "\($0.event)@\($0.device)" } } }
    /// `device:presence` of the presence events, in order.
    var presenceSteps: [String] { compactMap { $0.devicePresence.map { "\($0.device):\($0.presence.rawValue)" } } }
}

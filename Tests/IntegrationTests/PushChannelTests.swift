import Domain
import Endpoints
import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import NIOWebSocket
import Storage
import Synchronization
import Testing

@testable import Server

@Suite("Push channel")
struct PushChannelTests {
    // MARK: WebSocket

    @Test
    func aSocketReceivesPublishedEventsInOrderAsJSONTextFrames() async throws {
        try await PushWorld.run { world in
            let (texts, close) = try await world.socket(token: world.samToken) { socket in
                for _ in 1...5 { world.publish(.device("2001")) }
                return try await socket.texts(5)
            }
            let events = try texts.map(PushWorld.decode)
            #expect(events.map(\.seq) == [1, 2, 3, 4, 5])
            #expect(events.allSatisfy { $0.type == .call && $0.call?.device == "2001" })
            // Sorted keys, ISO-8601 time, absent members left out.
            #expect(
                texts[0].hasPrefix(#"{"call":{"callId":"call-1","device":"2001","event":"delivered","state":"alerting"},"seq":1,"#),
                "\(texts[0])"
            )
            #expect(texts[0].contains(#""time":"2027-01-15T08:00:00Z""#), "\(texts[0])")
            #expect(!texts[0].contains("null"))
            #expect(close?.closeCode != .policyViolation)
        }
    }

    @Test
    func reconnectingWithAfterDeliversExactlyTheMissedEvents() async throws {
        try await PushWorld.run { world in
            let (seen, _) = try await world.socket(token: world.samToken) { socket in
                for _ in 1...3 { world.publish(.device("2001")) }
                return try await socket.events(3).map(\.seq)
            }
            #expect(seen == [1, 2, 3])
            // While Sam is away: four of his events and one of Eve's.
            for _ in 1...4 { world.publish(.device("2001")) }
            world.publish(.device("3001"))

            let (resumed, _) = try await world.socket(token: world.samToken, query: "after=\(seen.last!)") { socket in
                let missed = try await socket.events(4).map(\.seq)
                world.publish(.device("2001"))
                return missed + (try await socket.events(1).map(\.seq))
            }
            #expect(resumed == [4, 5, 6, 7, 9], "no duplicate, no gap, nothing of Eve's")
        }
    }

    @Test
    func aUserWhoseAudienceLacksADeviceReceivesNothingAboutIt() async throws {
        try await PushWorld.run { world in
            let (first, _) = try await world.socket(token: world.eveToken) { socket in
                world.publish(.device("2001"))
                world.publish(.device("2001"))
                world.publish(.user(world.samUserId))
                world.publish(.device("3001"))
                world.publish(.domain)
                return try await socket.events(2).map(\.seq)
            }
            // Events reach a socket in seq order: Eve's first event being #4 proves she got none of #1-#3.
            #expect(first == [4, 5])
        }
    }

    @Test
    func replayingFromTooOldASeqStartsWithAResyncEvent() async throws {
        try await PushWorld.run(bus: .init(capacity: 3)) { world in
            for _ in 1...6 { world.publish(.device("2001")) }
            let (events, _) = try await world.socket(token: world.samToken, query: "after=1") { socket in
                try await socket.events(1)
            }
            #expect(events.first?.type == .resync)
            #expect(events.first?.seq == 6)
            #expect(events.first?.resync?.oldestAvailable == 4)
        }
    }

    @Test
    func aLoggedOutUsersSocketIsClosedWithAReason() async throws {
        try await PushWorld.run(limits: PushLimits(sessionRecheckInterval: .milliseconds(50))) { world in
            let (_, close) = try await world.socket(token: world.samToken) { socket in
                let logout = try await world.api.send(.post, "/api/v1/auth/logout", token: world.samToken)
                #expect(logout.status == .noContent)
                // The server closes the socket: reading ends.
                return try await socket.drain()
            }
            #expect(close?.closeCode == .unknown(4401))
            #expect(close?.reason == "session_ended")
        }
    }

    @Test
    func aSlowConsumerIsClosedWithAReasonAndResumesWithAfter() async throws {
        // A queue of one event: a burst of synchronous publishes outruns any socket (each publish takes well under
        // a microsecond, each frame an actor hop and a channel write), so the bus cuts the subscriber off.
        try await PushWorld.run(bus: .init(capacity: 10_000, subscriberQueueLimit: 1)) { world in
            let (received, close) = try await world.socket(token: world.samToken) { socket in
                // First make sure the server side reads live (under load it may still be replaying, and replayed
                // events do not count against the queue), then the burst.
                world.publish(.device("2001"))
                let first = try await socket.events(1).map(\.seq)
                for _ in 2...1_000 { world.publish(.device("2001")) }
                return try await first + socket.rest().map { try PushWorld.decode($0).seq }
            }
            #expect(close?.closeCode == .policyViolation)
            #expect(close?.reason == "slow_consumer")
            #expect(received.count < 1_000)
            #expect(received == Array(received.indices.map { UInt64($0 + 1) }), "what arrived is in order and gapless")
            #expect(world.bus.metrics.droppedSubscribers == 1)

            // The ring still has the rest: resuming after the last event handled gets exactly it.
            let last = received.last ?? 0
            let (rest, _) = try await world.socket(token: world.samToken, query: "after=\(last)") { socket in
                try await socket.events(Int(1_000 - last)).map(\.seq)
            }
            #expect(rest == Array((last + 1)...1_000))
        }
    }

    @Test
    func accessTokenInTheQueryWorksLikeTheHeader() async throws {
        try await PushWorld.run { world in
            let (seqs, _) = try await world.socket(token: nil, query: "access_token=\(world.samToken)") { socket in
                world.publish(.device("2001"))
                return try await socket.events(1).map(\.seq)
            }
            #expect(seqs == [1])
            let poll = try await world.push.get("/events/poll?timeout=0&access_token=\(world.samToken)", token: nil)
            #expect(poll.status == .ok, "\(poll.text)")
        }
    }

    // MARK: Refusals before the upgrade

    @Test
    func aBadTokenGets401ProblemBeforeAnyUpgrade() async throws {
        try await PushWorld.run { world in
            expectRefusal(try await world.upgrade(token: nil), .unauthorized, "unauthenticated", "upgrade without a token:")
            let garbage = try await world.upgrade(token: "not-a-token")
            expectRefusal(garbage, .unauthorized, "unauthenticated", "upgrade with a bad token:")
            #expect(garbage.headers[.wwwAuthenticate] == "Bearer")
            expectProblem(try await world.push.get("/events/poll?timeout=0", token: nil), .unauthorized, "unauthenticated", "poll:")
            expectProblem(try await world.push.get("/events/poll?timeout=0", token: "not-a-token"), .unauthorized, "unauthenticated", "poll:")
            // An administrator's token is not a user's.
            let admin = try await world.api.adminLogin("tws", TWSTestApp.superPassword).token
            expectRefusal(try await world.upgrade(token: admin), .unauthorized, "unauthenticated", "admin token:")

            // A WebSocket client sees the upgrade fail.
            await #expect(throws: WebSocketClientError.webSocketUpgradeFailed) {
                _ = try await world.socket(token: "not-a-token") { _ in () }
            }
            // A logged-out token stops working at once.
            _ = try await world.api.send(.post, "/api/v1/auth/logout", token: world.eveToken)
            expectRefusal(try await world.upgrade(token: world.eveToken), .unauthorized, "unauthenticated", "logged out:")
        }
    }

    static let badParameters: [(String, String)] = [
        ("after=abc", "after"),
        ("after=-1", "after"),
        ("after=1.5", "after"),
        ("after=99", "after"),
        ("timeout=61", "timeout"),
        ("timeout=-1", "timeout"),
        ("timeout=soon", "timeout"),
        ("timeout=nan", "timeout"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
    ]

    @Test(arguments: badParameters)
    func aBadParameterGets400NamingIt(_ query: String, _ field: String) async throws {
        try await PushWorld.run { world in
            world.publish(.domain)
            let poll = try await world.push.get("/events/poll?\(query)", token: world.samToken)
            expectProblem(poll, .badRequest, "invalid_parameter", field: field, "poll \(query):")
            if field == "after" {
                let upgrade = try await world.upgrade(token: world.samToken, query: query)
                expectRefusal(upgrade, .badRequest, "invalid_parameter", field: field, "upgrade \(query):")
            }
        }
    }

    @Test
    func connectionsOverTheUsersLimitAre429() async throws {
        try await PushWorld.run(limits: PushLimits(connectionsPerUser: 1)) { world in
            let (refusals, _) = try await world.socket(token: world.samToken) { socket in
                let upgrade = try await world.upgrade(token: world.samToken)
                let poll = try await world.push.get("/events/poll?timeout=0", token: world.samToken)
                // Another user has their own allowance.
                let eves = try await world.push.get("/events/poll?timeout=0", token: world.eveToken)
                return (upgrade.status.code, upgrade.problem?.code, poll.status.code, eves.status.code)
            }
            #expect(refusals.0 == 429)
            #expect(refusals.1 == "too_many_connections")
            #expect(refusals.2 == 429)
            #expect(refusals.3 == 200)
            // The place is given back when the socket closes.
            try await waitUntil { world.transport.openConnections == 0 }
            #expect(try await world.push.get("/events/poll?timeout=0", token: world.samToken).status == .ok)
        }
    }

    // MARK: Long-poll and the rest of :9000

    @Test
    func longPollReturnsWaitingEventsAndWaitsForNewOnes() async throws {
        try await PushWorld.run { world in
            world.publish(.device("2001"))  // 1
            world.publish(.device("2001"))  // 2
            world.publish(.device("3001"))  // 3: Eve's
            let ready = try await world.poll("after=0&timeout=0", token: world.samToken)
            #expect(ready.events.map(\.seq) == [1, 2])
            #expect(ready.next == 3, "the highest seq examined, Eve's included")

            let waiting = Task { try await world.poll("after=\(ready.next)&timeout=30", token: world.samToken) }
            try await waitUntil { world.bus.metrics.waitingPolls == 1 }
            world.publish(.device("2001"))  // 4
            let woken = try await within { try await waiting.value }
            #expect(woken.events.map(\.seq) == [4])
            #expect(woken.next == 4)

            let timedOut = try await world.poll("after=4&timeout=0.05", token: world.samToken)
            #expect(timedOut.events.isEmpty)
            #expect(timedOut.next == 4)
            // Without after: from the current seq.
            let fresh = try await world.poll("timeout=0", token: world.samToken)
            #expect(fresh.events.isEmpty)
            #expect(fresh.next == 4)
        }
    }

    @Test
    func healthAndNonUpgradeRequestsAnswerPlainHTTP() async throws {
        try await PushWorld.run { world in
            let health = try await world.push.get("/health", token: nil)
            #expect(health.status == .ok)
            #expect(try health.json().string("status") == "ok")
            expectProblem(try await world.push.get("/events", token: world.samToken), .upgradeRequired, "upgrade_required")
            expectProblem(try await world.push.get("/nowhere", token: nil), .notFound, "not_found")
            // An upgrade on a kept-alive connection is sent to a new connection (NIO upgrades only first requests).
            let headers: HTTPFields = [
                .connection: "Upgrade", .upgrade: "websocket", .secWebSocketVersion: "13", .secWebSocketKey: "dGhlIHNhbXBsZSBub25jZQ==",
            ]
            let again = try await world.push.execute(uri: "/events?after=0", method: .get, headers: headers)
            #expect(again.status == .temporaryRedirect)
            #expect(again.headers[.location] == "/events?after=0")
            #expect(again.headers[.connection] == "close")
        }
    }
}

// MARK: - The world under test

/// The API (:8000, in-process) and the push application (:9000, on a real ephemeral port) over one in-memory
/// database and one bus, with company Acme, domain Main, and users sam (device 2001) and eve (device 3001),
/// both logged in through the real login flow.
struct PushWorld: Sendable {
    let api: any TestClientProtocol
    let push: any TestClientProtocol
    let bus: EventBus
    let transport: PushTransport
    let domainId: Int64
    let samUserId: Int64
    let samToken: String
    let eveToken: String

    static func run(
        limits: PushLimits = PushLimits(),
        bus configuration: EventBus.Configuration = EventBus.Configuration(),
        _ test: @escaping @Sendable (PushWorld) async throws -> Void
    ) async throws {
        let appConfiguration = TWSTestApp.configuration()
        var logger = Logger(label: "push-channel-tests")
        logger.logLevel = .critical
        let database = try AppDatabase.inMemory()
        let server = try await buildServer(configuration: appConfiguration, database: database, logger: logger)
        let (services, api) = (server.services, server.api)
        let bus = EventBus(configuration: configuration)
        let sessions = services.sessions
        let transport = PushTransport(
            bus: bus,
            authenticate: { token in try await sessions.user(token: token) },
            audience: { principal in
                // The user's own devices; the server adds what their rights reveal (TelephonyVisibility).
                let devices = try await database.read { tx in
                    try tx.devices(userId: principal.userId).map(\.number)
                }
                return PushAudienceFilter(userId: principal.userId, domainId: principal.domainId, visibleDevices: Set(devices))
            },
            limits: limits,
            logger: logger
        )
        let pushApplication = buildPushApplication(transport, host: "127.0.0.1", port: 0, logger: logger)
        try await api.test(.router) { apiClient in
            let root = try await apiClient.superUserToken()
            let companyId = try await apiClient.createCompany("Acme", token: root)
            let domainId = try await apiClient.createDomain(companyId: companyId, name: "Main", token: root)
            var tokens: [String] = []
            var userIds: [Int64] = []
            for (username, device) in [("sam", "2001"), ("eve", "3001")] {
                let userId = try await apiClient.createUser(domainId: domainId, username: username, password: "\(username)-password", token: root)
                _ = try await apiClient.create("/api/v1/admin/users/\(userId)/devices", token: root, json: #"{"number":"\#(device)"}"#)
                tokens.append(try await apiClient.userLogin(company: "Acme", domain: "Main", username: username, password: "\(username)-password"))
                userIds.append(userId)
            }
            let (ids, logins) = (userIds, tokens)
            try await pushApplication.test(.live) { pushClient in
                try await test(
                    PushWorld(
                        api: apiClient,
                        push: pushClient,
                        bus: bus,
                        transport: transport,
                        domainId: domainId,
                        samUserId: ids[0],
                        samToken: logins[0],
                        eveToken: logins[1]
                    )
                )
            }
        }
    }

    /// Publishes a call event (at 2027-01-15 08:00 UTC) for `audience` in the world's domain.
    @discardableResult
    func publish(_ audience: PushAudience) -> UInt64 {
        let device = if case .device(let number) = audience { number } else { "2001" }
        let event = PushEvent(
            type: .call,
            time: Date(timeIntervalSince1970: 1_800_000_000),
            call: CallEventPayload(event: "delivered", callId: "call-1", device: device, state: .alerting)
        )
        return bus.publish(domainId: domainId, audience: audience, event: event)
    }

    /// Opens `GET /events` as a WebSocket (bearer `token`, optional query), runs `body` with it, then closes it
    /// from the client side unless the server did; returns the body's value and the server's close frame.
    /// Fails after 20 s.
    func socket<Value: Sendable>(
        token: String?,
        query: String = "",
        _ body: @escaping @Sendable (PushTestSocket) async throws -> Value
    ) async throws -> (value: Value, close: WebSocketCloseFrame?) {
        let port = try #require(push.port)
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let configuration = WebSocketClientConfiguration(additionalHeaders: headers)
        let result = Mutex<Value?>(nil)
        let close = try await within(seconds: 20) {
            try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(port)/events\(query.isEmpty ? "" : "?\(query)")",
                configuration: configuration,
                logger: Logger(label: "push-test-client")
            ) { inbound, _, _ in
                let value = try await body(PushTestSocket(inbound))
                result.withLock { $0 = value }
            }
        }
        guard let value = result.withLock({ $0 }) else { throw TimedOut() }
        return (value, close)
    }

    /// Sends a WebSocket upgrade request for `GET /events` on a new connection (NIO upgrades only a connection's
    /// first request, and a refusal closes it) with a plain HTTP client, to read a refusal's answer.
    func upgrade(token: String?, query: String = "") async throws -> UpgradeAnswer {
        var headers: HTTPFields = [
            .connection: "Upgrade", .upgrade: "websocket", .secWebSocketVersion: "13", .secWebSocketKey: "dGhlIHNhbXBsZSBub25jZQ==",
        ]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let port = try #require(push.port)
        let request = TestClient.Request("/events\(query.isEmpty ? "" : "?\(query)")", method: .get, headers: headers)
        let response = try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            try await client.execute(request)
        }
        let body = response.body.map { Data(buffer: $0) } ?? Data()
        let problem =
            response.headers[.contentType] == "application/problem+json" ? try? JSONDecoder().decode(ProblemBody.self, from: body) : nil
        return UpgradeAnswer(status: response.status, headers: response.headers, problem: problem, text: String(decoding: body, as: UTF8.self))
    }

    /// A long-poll answer.
    struct PollAnswer: Decodable, Sendable {
        var events: [PushEvent]
        var next: UInt64
    }

    /// `GET /events/poll?query`, which must answer 200.
    func poll(_ query: String, token: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> PollAnswer {
        let response = try await push.get("/events/poll?\(query)", token: token)
        try #require(response.status == .ok, "poll \(query): \(response.status.code) \(response.text)", sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/json", sourceLocation: sourceLocation)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(PollAnswer.self, from: Data(buffer: response.body))
    }

    static func decode(_ text: String) throws -> PushEvent {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(PushEvent.self, from: Data(text.utf8))
    }
}

/// The answer to a WebSocket upgrade request that was not upgraded.
struct UpgradeAnswer: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var problem: ProblemBody?
    var text: String
}

/// Expects a refused upgrade answered with a problem+json of `status` and `code` (and `field` when given).
func expectRefusal(
    _ answer: UpgradeAnswer,
    _ status: HTTPResponse.Status,
    _ code: String,
    field: String? = nil,
    _ context: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        answer.status == status,
        "\(context) expected \(status.code) \(code), got \(answer.status.code) \(answer.text)",
        sourceLocation: sourceLocation
    )
    #expect(answer.problem?.code == code, "\(context) expected code \(code) in \(answer.text)", sourceLocation: sourceLocation)
    #expect(answer.problem?.status == Int(status.code), "\(context) problem status", sourceLocation: sourceLocation)
    if let field { #expect(answer.problem?.field == field, "\(context) expected field \(field) in \(answer.text)", sourceLocation: sourceLocation) }
}

/// The client side of an open push socket, as a test reads it.
final class PushTestSocket {
    private var messages: WebSocketInboundMessageStream.AsyncIterator

    init(_ inbound: WebSocketInboundStream) {
        messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
    }

    /// The next `count` text frames.
    func texts(_ count: Int) async throws -> [String] {
        var texts: [String] = []
        while texts.count < count {
            switch try await messages.next() {
            case .text(let text): texts.append(text)
            case .binary: Issue.record("binary frame on the push channel")
            case nil: throw SocketClosed(after: texts)
            }
        }
        return texts
    }

    /// The next `count` events.
    func events(_ count: Int) async throws -> [PushEvent] { try await texts(count).map(PushWorld.decode) }

    /// Reads until the server closes the socket.
    func drain() async throws {
        while try await messages.next() != nil {}
    }

    /// The text frames until the server closes the socket.
    func rest() async throws -> [String] {
        var texts: [String] = []
        while let message = try await messages.next() {
            if case .text(let text) = message { texts.append(text) }
        }
        return texts
    }

    struct SocketClosed: Error {
        var after: [String]
    }
}

/// Thrown by `within` when the body did not finish in time.
struct TimedOut: Error {}

/// Runs `body`, failing after `seconds`: a guard against hangs, not a timing assertion.
func within<T: Sendable>(seconds: Double = 10, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask(operation: body)
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimedOut()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// Waits until `condition` holds, failing after 10 s.
func waitUntil(_ condition: @escaping @Sendable () -> Bool) async throws {
    try await within {
        while !condition() { try await Task.sleep(for: .milliseconds(1)) }
    }
}

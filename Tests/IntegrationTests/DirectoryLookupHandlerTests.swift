import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Endpoints
@testable import Server
import Storage

/// Reverse lookups answered on the event loop (`DirectoryLookupHandler`), over real TCP: the same status, type and
/// bytes as the routes give, refusals and everything not plain left to the routes, answers kept in order when requests
/// are pipelined, and counted in `/metrics`.
@Suite("Directory lookups on the event loop")
struct DirectoryLookupHandlerTests {
    /// The application as `serve` builds it, listening on a loopback port, with its lookup handler, a database file
    /// (its reads on connections of their own, `ReadConnections`, as `serve`'s), and company A's CSV directory
    /// (`DirectoryAPITests.csv`) synchronised and readable by A's staff.
    static func live<Value: Sendable>(
        _ test: @Sendable (any TestClientProtocol, IsolationWorld, DirectoryLookups, Int) async throws -> Value
    ) async throws -> Value {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tws-lookups-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("crm"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(DirectoryAPITests.csv).write(to: folder.appendingPathComponent("crm/contacts.csv"))
        let database = try AppDatabase.open(directory: folder.appendingPathComponent("data"))
        return try await TWSTestApp.run(.live, database: database, configure: { $0.csvImportFolder = folder.path }) { client, server in
            let lookups = try #require(server.lookups, "connections run on their event loops by default")
            let port = try #require(client.port)
            let world = try await IsolationWorld.make(client)
            let (_, report) = try await DirectoryAPITests.synchronisedDirectory(client, world)
            #expect(report.int("created") == 3, "\(report)")
            return try await test(client, world, lookups, port)
        }
    }

    @Test
    func theLoopAnswersWhatTheRoutesAnswer() async throws {
        try await Self.live { client, world, lookups, _ in
            let userB = try await client.userLogin(
                company: world.b.companyName,
                domain: world.b.domainName,
                username: world.b.username,
                password: Tenant.userPassword
            )
            // Each request twice: as it is, and with a query name the handler leaves to the routes (the generated
            // handler ignores it). Found three ways, red-listed, VIP, nobody's, another company's user, bad numbers.
            let plain: [(String, String)] = [
                ("/api/v1/directory/lookup?number=%2B33155171889", world.userAToken),
                ("/api/v1/directory/lookup?number=0155171889", world.userAToken),
                ("/api/v1/directory/lookup?number=0033155171889", world.userAToken),
                ("/api/v1/directory/lookup?number=0155171890", world.userAToken),
                ("/api/v1/directory/lookup?number=00442079460958", world.userAToken),
                ("/api/v1/directory/lookup?number=0199999999", world.userAToken),
                ("/api/v1/directory/lookup?number=%2B33155171889", userB),
            ]
            let refused: [(String, String?)] = [
                ("/api/v1/directory/lookup?number=abc", world.userAToken),
                ("/api/v1/directory/lookup?number=" + String(repeating: "1", count: 65), world.userAToken),
                ("/api/v1/directory/lookup?number=%2B33155171889", nil),
                ("/api/v1/directory/lookup?number=%2B33155171889", "not-a-token"),
                ("/api/v1/directory/lookup?number=%2B33155171889", world.adminAToken),
            ]
            // A token is the loop's once the routes have checked it (its first request): it never checks one itself.
            for token in [world.userAToken, userB] { _ = try await client.must(.get, "/api/v1/me", token: token) }
            var answeredBefore = lookups.answered
            for (path, token) in plain.map({ ($0.0, Optional($0.1)) }) + refused {
                let separator = path.contains("?") ? "&" : "?"
                let loop = try await client.get(path, token: token)
                let routes = try await client.get(path + separator + "generated=1", token: token)
                #expect(loop.status == routes.status && loop.text == routes.text, "\(path): \(loop.text) / \(routes.text)")
                #expect(loop.headers[.contentType] == routes.headers[.contentType], "\(path)")
                #expect(loop.headers[.server] == "tws" && loop.headers[.date] != nil, "\(path): \(loop.headers)")
                #expect(loop.headers[.wwwAuthenticate] == routes.headers[.wwwAuthenticate], "\(path)")
                let answered = lookups.answered - answeredBefore
                answeredBefore = lookups.answered
                let expected = plain.contains { $0.0 == path && $0.1 == token } ? 1 : 0
                #expect(answered == expected, "\(path): answered on the loop \(answered) times")
            }
            // What the routes alone handle: no number, an API key, a browser's Origin (CORS).
            let beforeOthers = lookups.answered
            expectProblem(try await client.get("/api/v1/directory/lookup", token: world.userAToken), .badRequest, "invalid_request")
            _ = try await client.send(
                .get,
                "/api/v1/directory/lookup?number=%2B33155171889",
                token: world.userAToken,
                headers: [.origin: "https://crm.example"]
            )
            _ = try await client.send(
                .get,
                "/api/v1/directory/lookup?number=%2B33155171889",
                headers: [HTTPField.Name("X-API-Key")!: "tws_k1_nothing"]
            )
            #expect(lookups.answered == beforeOthers)

            // A session that ends is refused at once: the handler's token check is the session service's cache.
            let found = try await client.get("/api/v1/directory/lookup?number=%2B33155171889", token: world.userAToken)
            let name = try found.json().string("name")
            #expect(found.status == .ok && name == "Jean DUPONT", "\(found.text)")
            try await client.must(.post, "/api/v1/auth/logout", token: world.userAToken, answer: .noContent)
            let after = try await client.get("/api/v1/directory/lookup?number=%2B33155171889", token: world.userAToken)
            expectProblem(after, .unauthorized, "unauthenticated")
        }
    }

    @Test
    func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await Self.live { client, world, lookups, port in
            // The token checked by the routes first, so that only the order can keep a lookup from the loop.
            _ = try await client.must(.get, "/api/v1/me", token: world.userAToken)
            let auth = "Authorization: Bearer \(world.userAToken)\r\n"
            func get(_ path: String, _ extra: String = auth) -> String { "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(extra)\r\n" }
            // One write: a lookup left to the routes (nobody's number), a plain one behind it (Jean's), then /health.
            // The second must wait for the first: answered on the loop at once, it would come back first.
            let before = lookups.answered
            let answers = try await RawHTTP.exchange(
                port: port,
                get("/api/v1/directory/lookup?number=0199999999&generated=1") + get("/api/v1/directory/lookup?number=0155171889")
                    + get("/health", ""),
                answers: 3
            )
            #expect(answers.map(\.status) == [404, 200, 200], "\(answers)")
            #expect(answers[0].body.contains("no_contact") && answers[1].body.contains("Jean") && answers[2].body == #"{"status":"ok"}"#)
            #expect(lookups.answered == before)
            // Alone on its connection, the same lookup is the loop's, and a second one right behind it too.
            let alone = try await RawHTTP.exchange(
                port: port,
                get("/api/v1/directory/lookup?number=0155171889") + get("/api/v1/directory/lookup?number=0199999999"),
                answers: 2
            )
            #expect(alone.map(\.status) == [200, 404] && alone[0].body.contains("Jean"), "\(alone)")
            #expect(lookups.answered == before + 2)
            // The loop writes each answer's bytes itself: the routes' status line and header names, in their order.
            let routes = try await RawHTTP.exchange(
                port: port,
                get("/api/v1/directory/lookup?number=0155171889&generated=1") + get("/api/v1/directory/lookup?number=0199999999&generated=1"),
                answers: 2
            )
            #expect(alone.map { $0.head.first } == ["HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found"], "\(alone.map(\.head))")
            for (loop, route) in zip(alone, routes) {
                func names(_ answer: RawHTTP.Answer) -> [String] { answer.head.dropFirst().map { String($0.prefix { $0 != ":" }).lowercased() } }
                #expect(loop.head.first == route.head.first && Set(names(loop)) == Set(names(route)), "\(loop.head) / \(route.head)")
                #expect(loop.body == route.body)
            }
            #expect(lookups.answered == before + 2)
            // `Connection: close` is the routes' to honour: they answer, then close.
            let closing = try await RawHTTP.exchange(port: port, get("/api/v1/directory/lookup?number=0155171889", auth + "Connection: close\r\n"), answers: 1)
            #expect(closing.map(\.status) == [200] && closing[0].body.contains("Jean") && closing[0].closed, "\(closing)")
            #expect(lookups.answered == before + 2)
        }
    }

    /// The handler reads NIO's HTTP/1 heads, before the codec to Swift HTTP Types: header names in any case, and
    /// HTTP/1.0, decide as the routes would have it.
    @Test
    func headerNamesInAnyCaseAndHTTP10KeepAliveAreRead() async throws {
        try await Self.live { client, world, lookups, port in
            _ = try await client.must(.get, "/api/v1/me", token: world.userAToken)
            let path = "/api/v1/directory/lookup?number=0155171889"
            func get(_ headers: String, version: String = "1.1") -> String { "GET \(path) HTTP/\(version)\r\nHost: 127.0.0.1\r\n\(headers)\r\n" }
            let token = world.userAToken
            // The loop's: the header's name in capitals, and HTTP/1.0 asking to keep the connection.
            for (request, version) in [
                (get("AUTHORIZATION: Bearer \(token)\r\n"), "1.1"),
                (get("authorization: Bearer \(token)\r\nConnection: keep-alive\r\n", version: "1.0"), "1.0"),
            ] {
                let before = lookups.answered
                let answers = try await RawHTTP.exchange(port: port, request, answers: 1)
                #expect(answers.map(\.status) == [200] && answers[0].body.contains("Jean") && !answers[0].closed, "\(version): \(answers)")
                #expect(lookups.answered == before + 1, "HTTP/\(version)")
            }
            // The routes': an Origin or an API key in any case, two Authorization headers, HTTP/1.0 without
            // keep-alive (whatever the routes make of it: Swift HTTP Types do not carry the version).
            for request in [
                get("Authorization: Bearer \(token)\r\nORIGIN: https://crm.example\r\n"),
                get("Authorization: Bearer \(token)\r\nx-api-KEY: tws_k1_nothing\r\n"),
                get("Authorization: Bearer \(token)\r\nAuthorization: Bearer \(token)\r\n"),
                get("Authorization: Bearer \(token)\r\n", version: "1.0"),
            ] {
                let before = lookups.answered
                let answers = try await RawHTTP.exchange(port: port, request, answers: 1)
                #expect(answers.count == 1, "\(request): \(answers)")
                #expect(lookups.answered == before, "\(request)")
            }
            let routes = try await RawHTTP.exchange(port: port, get("Authorization: Bearer \(token)\r\n", version: "1.0"), answers: 1)
            #expect(routes.map(\.status) == [200] && routes[0].body.contains("Jean"), "\(routes)")
        }
    }

    @Test
    func theDateHeaderIsIMFFixdate() {
        #expect(HTTPDateHeader.text(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDateHeader.text(951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(HTTPDateHeader.text(1_796_515_075) == "Sat, 05 Dec 2026 23:57:55 GMT")
        let now = HTTPDateHeader().now()
        #expect(now.count == 29 && now.hasSuffix(" GMT"), "\(now)")
    }

    @Test
    func answersOnTheLoopAreCounted() async throws {
        try await Self.live { client, world, lookups, _ in
            func counted(_ status: String) async throws -> Double {
                MetricsTests.sample(try await client.get("/metrics", token: nil).text, "tws_http_requests_total{class=\"\(status)\"}") ?? 0
            }
            _ = try await client.must(.get, "/api/v1/me", token: world.userAToken)
            let (ok, missing) = (try await counted("2xx"), try await counted("4xx"))
            let before = lookups.answered
            for number in ["0155171889", "0199999999", "0155171890"] {
                _ = try await client.get("/api/v1/directory/lookup?number=\(number)", token: world.userAToken)
            }
            #expect(lookups.answered == before + 3)
            // Both /metrics reads before the lookups are counted by now, each after it was answered.
            #expect(try await counted("2xx") == ok + 2 + 2)
            #expect(try await counted("4xx") == missing + 1)
        }
    }
}

/// HTTP/1.1 over a plain socket: requests written at once, answers read by their Content-Length.
enum RawHTTP {
    struct Answer: CustomStringConvertible {
        var status: Int
        /// The status line and the header lines.
        var head: [String] = []
        var body: String
        /// Whether the server closed the connection after the last answer (checked for the last one only).
        var closed = false
        var description: String { "\(status) \(body)\(closed ? " (closed)" : "")" }
    }

    /// Thrown from the exchange's own thread, where no test is current to record an issue: the caller's `try` does.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// On a thread of its own: blocking reads on the cooperative pool's two threads, from two tests at once, left
    /// none for the server's tasks, and every read waited for its timeout.
    static func exchange(port: Int, _ requests: String, answers count: Int) async throws -> [Answer] {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try blockingExchange(port: port, requests, answers: count) }) }.start()
        }
    }

    private static func blockingExchange(port: Int, _ requests: String, answers count: Int) throws -> [Answer] {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { throw Failure(description: "no connection to port \(port)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(requests.utf8)
        let sent = bytes.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) }
        guard sent == bytes.count else { throw Failure(description: "sent \(sent) of \(bytes.count) bytes") }
        var received: [UInt8] = []
        var answers: [Answer] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while answers.count < count {
            if let (answer, used) = parse(received) {
                answers.append(answer)
                received.removeFirst(used)
                continue
            }
            let read = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            guard read > 0 else { throw Failure(description: "the connection ended after \(answers.count) answers") }
            received += buffer[..<read]
        }
        // Nothing more comes: either the server closed the connection, or the read times out (keep-alive).
        var shortWait = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &shortWait, socklen_t(MemoryLayout<timeval>.size))
        let after = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        answers[answers.count - 1].closed = after == 0
        return answers
    }

    /// One whole answer at the start of `bytes`, and how many bytes it took.
    static func parse(_ bytes: [UInt8]) -> (Answer, Int)? {
        let separator = Array("\r\n\r\n".utf8)
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else { return nil }
        let head = String(decoding: bytes[..<end], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        let length = lines.dropFirst().compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        let start = end + separator.count
        guard bytes.count >= start + length else { return nil }
        return (Answer(status: status, head: lines, body: String(decoding: bytes[start..<start + length], as: UTF8.self)), start + length)
    }
}

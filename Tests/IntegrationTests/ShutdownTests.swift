import Domain
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Storage
import Telephony
import Testing

@testable import Server

/// The real `tws-server` binary stopped by SIGTERM: it drains and flushes before it exits.
@Suite("Shutdown")
struct ShutdownTests {
    /// The `tws-server` built beside this test bundle.
    static func serverBinary() throws -> URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tws-server")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let built = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/tws-server")
        try #require(FileManager.default.isExecutableFile(atPath: built.path), "tws-server is not built (\(beside.path), \(built.path))")
        return built
    }

    /// Starts the real server on `data` and `port` (its push channel on a free port, cheap bcrypt), with `environment`
    /// on top; its output goes to `log` (nowhere when nil).
    static func startServer(
        data: URL,
        port: Int,
        environment: [String: String] = [:],
        logLevel: String = "critical",
        log: FileHandle? = nil
    ) throws -> Process {
        let server = Process()
        server.executableURL = try serverBinary()
        server.arguments = ["serve", "--data-dir", data.path, "--port", String(port), "--log-level", logLevel]
        server.environment = ProcessInfo.processInfo.environment
            .merging(["TWS_PUSH_PORT": String(try freePort()), "TWS_BCRYPT_COST": "4"]) { _, new in new }
            .merging(environment) { _, new in new }
        if let log {
            server.standardOutput = log
            server.standardError = log
        }
        try server.run()
        return server
    }

    /// The super-user's token from the server at `base` (the test app's seeded password).
    static func superUserToken(_ base: String) async throws -> String {
        let (_, login) = try await request("POST", "\(base)/api/v1/admin/auth/login", json: #"{"username":"tws","password":"\#(TWSTestApp.superPassword)"}"#)
        return try #require((login as? [String: Any])?["token"] as? String)
    }

    /// A loopback port nobody listens on now.
    static func freePort() throws -> Int {
        let (socket, port) = try loopbackSocket(listening: false)
        close(socket)
        return port
    }

    /// A socket bound to a free loopback port (listening when asked), and the port; the caller closes it.
    static func loopbackSocket(listening: Bool) throws -> (Int32, Int) {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && (!listening || listen(socket, 1) == 0) && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else {
            close(socket)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        return (socket, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A JSON request to the server under test; the status and the body.
    static func request(_ method: String, _ url: String, token: String? = nil, json: String? = nil) async throws -> (Int, Any?) {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(json.utf8)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, try? JSONSerialization.jsonObject(with: data))
    }

    /// The calls the server shows at alice's device 1001.
    static func callsAt1001(_ base: String, token: String) async throws -> Int {
        let (_, body) = try await request("GET", "\(base)/api/v1/telephony/devices", token: token)
        let lines = body as? [[String: Any]] ?? []
        return (lines.first { $0["number"] as? String == "1001" }?["calls"] as? [Any])?.count ?? -1
    }

    @Test("SIGTERM right after a call ends: the server exits cleanly and the call's log lines are in the database")
    func sigtermKeepsTheLastCallLogs() async throws {
        var logger = Logger(label: "shutdown-tests")
        logger.logLevel = .critical
        let simulator = PBXSimulator(configuration: PBXSimulator.Configuration(keepAliveInterval: nil), logger: logger)
        try await simulator.running { pbxPort in
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("tws-shutdown-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: data) }

        // Set-up through the API, in this process, on the database the binary will open.
        try await TWSTestApp.run(database: try AppDatabase.open(directory: data)) { client in
            let admin = try await client.superUserToken()
            let companyId = try await client.createCompany("Telco", token: admin)
            _ = try await client.setLicence("Caller", companyId: companyId, available: 10, token: admin)
            let domainId = try await client.createDomain(companyId: companyId, name: "Lyon", token: admin)
            for (name, number) in [("alice", "1001"), ("bob", "1002")] {
                let id = try await client.createUser(domainId: domainId, username: name, password: "pw-shutdown", token: admin)
                _ = try await client.create("/api/v1/admin/users/\(id)/devices", token: admin, json: #"{"number":"\#(number)"}"#)
                try await client.grantUserApplication(userId: id, token: admin)
            }
            _ = try await client.create(
                "/api/v1/admin/domains/\(domainId)/pbx-links",
                token: admin,
                json: #"{"host":"127.0.0.1","port":\#(pbxPort),"capacity":10,"pbxType":"simulator"}"#
            )
        }

        let port = try Self.freePort()
        let base = "http://127.0.0.1:\(port)"
        let server = try Self.startServer(data: data, port: port)
        defer { if server.isRunning { server.terminate() } }

        try await eventually("the server monitors 1001 and 1002", timeout: .seconds(30)) {
            await simulator.monitoredDevices().isSuperset(of: ["1001", "1002"])
        }
        try await eventually("the server answers") { (try? await Self.request("GET", "\(base)/health"))?.0 == 200 }
        let (_, login) = try await Self.request("POST", "\(base)/api/v1/auth/login", json: #"{"username":"alice","password":"pw-shutdown"}"#)
        let token = try #require((login as? [String: Any])?["token"] as? String, "alice cannot sign in: \(String(describing: login))")
        _ = try await simulator.placeCall(from: "1001", to: "1002")
        _ = try await simulator.answer(device: "1002")
        try await eventually("the server sees the call") { (try? await Self.callsAt1001(base, token: token)) == 1 }
        try await simulator.hangUp(device: "1001")
        // The moment the server has seen the call end, it is told to stop.
        try await eventually("the server sees the call end") { (try? await Self.callsAt1001(base, token: token)) == 0 }
        kill(server.processIdentifier, SIGTERM)
        try await eventually("the server exits", timeout: .seconds(20)) { !server.isRunning }
        #expect(server.terminationReason == .exit && server.terminationStatus == 0, "exit \(server.terminationStatus)")

        let database = try AppDatabase.open(directory: data)
        let lines = try await database.read { tx in try tx.allDomains().flatMap { try tx.callLogEntries(domainId: $0.id!) } }
        #expect(lines.map(\.device).sorted() == ["1001", "1002"], "\(lines)")
        #expect(lines.first { $0.device == "1001" }?.kind == .outgoing)
        #expect(lines.first { $0.device == "1002" }?.kind == .incoming)
        }
    }

    @Test("A server whose REST port is taken exits with an error instead of staying up")
    func takenPortEndsTheProcess() async throws {
        // Someone else listens on the port first.
        let (holder, port) = try Self.loopbackSocket(listening: true)
        defer { close(holder) }

        let data = FileManager.default.temporaryDirectory.appendingPathComponent("tws-taken-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: data) }
        let log = data.appendingPathExtension("log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let server = try Self.startServer(data: data, port: port, logLevel: "error", log: try FileHandle(forWritingTo: log))
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }

        // Before the fix the background loops waited for a graceful shutdown that a failed start never sends: the
        // process stayed up, spinning, and ignored SIGTERM.
        try await eventually("the server exits", timeout: .seconds(60)) { !server.isRunning }
        #expect(server.terminationReason == .exit && server.terminationStatus != 0, "exit \(server.terminationStatus)")
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(output.localizedCaseInsensitiveContains("address already in use"), "\(output.suffix(2000))")
    }
}

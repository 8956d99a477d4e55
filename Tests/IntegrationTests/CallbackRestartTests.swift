import Foundation
import HTTPTypes
import Logging
import Storage
import Synchronization
import Telephony
import Testing

@testable import Server

/// The real `tws-server` killed (SIGKILL) while a double call rings the agent: after a restart on the same data the
/// request is taken up again, the old call hung up, and the visitor is called back once.
@Suite("Callbacks across a restart (issue 20)")
struct CallbackRestartTests {
    /// With the PBX silent for a while after the restart (a slow link, a busy machine), longer than a snapshot takes:
    /// the engine waits for the link instead of dialling without it, which would fail and spend an attempt. In both
    /// manners the simulator speaks (its own, and a real switch's).
    @Test(
        "kill -9 while the agent's phone rings: after a restart the call is placed again and connects",
        arguments: [Duration.zero, .seconds(12)], SimulatorStyle.allCases
    )
    func killedServerCallsBackAfterRestart(pbxSilentAfterRestart: Duration, style: SimulatorStyle) async throws {
        var logger = Logger(label: "callback-kill-tests")
        logger.logLevel = .critical
        let simulator = PBXSimulator(
            configuration: PBXSimulator.Configuration(edition: style.defaultEdition, style: style, keepAliveInterval: nil),
            logger: logger
        )
        try await simulator.running { pbxPort in
            let data = FileManager.default.temporaryDirectory.appendingPathComponent("tws-callbacks-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: data) }
            let key = try await TWSTestApp.run(database: try AppDatabase.open(directory: data)) { client in
                let admin = try await client.superUserToken()
                let companyId = try await client.createCompany("Telco", token: admin)
                _ = try await client.setLicence("Portal", companyId: companyId, available: 1, token: admin)
                let domainId = try await client.createDomain(companyId: companyId, name: "Lyon", token: admin)
                let bob = try await client.createUser(domainId: domainId, username: "bob", password: "pw-callbacks", token: admin)
                _ = try await client.create("/api/v1/admin/users/\(bob)/devices", token: admin, json: #"{"number":"1002"}"#)
                _ = try await client.create(
                    "/api/v1/admin/domains/\(domainId)/callback-groups",
                    token: admin,
                    json: #"{"name":"Sales","device":"1999","members":[\#(bob)],"hours":[],"noAnswerSeconds":60}"#
                )
                _ = try await client.create(
                    "/api/v1/admin/domains/\(domainId)/pbx-links",
                    token: admin,
                    json: #"{"host":"127.0.0.1","port":\#(pbxPort),"capacity":10,"pbxType":"simulator"}"#
                )
                return try await client.createKey(companyId, token: admin, scopes: ["callbacks:create"]).secret
            }

            // Each run on a port of its own: the killed server's port is free for any other test to take meanwhile.
            let port = Mutex(0)
            @Sendable func base() -> String { "http://127.0.0.1:\(port.withLock { $0 })" }
            // Each run's log, printed if the test fails (a loaded CI machine is where this test has failed).
            let logs = Mutex<[URL]>([])
            @Sendable func startServer() throws -> Process {
                let file = data.appendingPathComponent("server-\(logs.withLock { $0.count + 1 }).log")
                _ = FileManager.default.createFile(atPath: file.path, contents: nil)
                logs.withLock { $0.append(file) }
                let free = try ShutdownTests.freePort()
                port.withLock { $0 = free }
                return try ShutdownTests.startServer(data: data, port: free, logLevel: "debug", log: try FileHandle(forWritingTo: file))
            }
            var finished = false
            defer {
                if !finished {
                    for file in logs.withLock({ $0 }) {
                        print("--- \(file.lastPathComponent)\n" + ((try? String(contentsOf: file, encoding: .utf8)) ?? "(none)"))
                    }
                }
            }
            let server = try startServer()
            defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
            try await eventually("the server monitors 1002 and the callback device 1999", timeout: .seconds(60)) {
                await simulator.monitoredDevices().isSuperset(of: ["1002", "1999"])
            }
            let (status, created) = try await ShutdownTests.request(
                "POST",
                "\(base())/api/v1/callbacks",
                token: key,
                json: #"{"number":"06 12 34 56 78","target":{"group":"Sales"}}"#
            )
            #expect(status == 201, "\(String(describing: created))")
            let id = try #require((created as? [String: Any])?["id"] as? String)
            @Sendable func current() async throws -> [String: Any] {
                (try await ShutdownTests.request("GET", "\(base())/api/v1/callbacks/\(id)").1 as? [String: Any]) ?? [:]
            }
            try await eventually("bob's phone rings") { await simulator.state(of: "1002").contains { $0.state == .alerting } }
            let firstCall = try #require(await simulator.state(of: "1002").first?.connection.callID)
            #expect(try await current()["status"] as? String == "calling-agent")
            kill(server.processIdentifier, SIGKILL)
            try await eventually("the server is gone") { !server.isRunning }

            if pbxSilentAfterRestart > .zero { await simulator.setAnswering(false) }
            let restarted = try startServer()
            defer { if restarted.isRunning { kill(restarted.processIdentifier, SIGKILL) } }
            if pbxSilentAfterRestart > .zero {
                try await Task.sleep(for: pbxSilentAfterRestart)
                await simulator.setAnswering(true)
            }
            // The interrupted call is hung up, and a new one rings bob. (A generous guard: the server starts anew.)
            try await eventually("a new call rings bob", timeout: .seconds(90)) {
                let connections = await simulator.state(of: "1002")
                return connections.contains { $0.state == .alerting && $0.connection.callID != firstCall }
                    && !connections.contains { $0.connection.callID == firstCall }
            }
            try await simulator.answer(device: "1002")
            try await eventually("the visitor's phone rings", timeout: .seconds(15)) {
                await simulator.state(of: "00612345678").contains { $0.state == .alerting }
            }
            try await simulator.answer(device: "00612345678")
            try await eventually("connected", timeout: .seconds(15)) { try await current()["status"] as? String == "connected" }
            try await simulator.hangUp(device: "1002")
            try await eventually("completed", timeout: .seconds(15)) { try await current()["status"] as? String == "completed" }
            let final = try await current()
            // The attempt the kill cut short does not count.
            #expect((final["attempts"] as? NSNumber)?.intValue == 1, "\(final)")
            #expect(await simulator.calls().isEmpty)
            kill(restarted.processIdentifier, SIGTERM)
            try await eventually("the server exits", timeout: .seconds(20)) { !restarted.isRunning }
            finished = true
        }
    }
}

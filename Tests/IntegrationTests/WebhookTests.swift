import Domain
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Storage
import Telephony
import Testing

@testable import Server

/// Signed durable webhooks (issue 19) against a real receiver (scripts/webhook_receiver.py, which checks signatures
/// with Python's `hmac`), with the real server and the PBX simulator.
@Suite("Webhooks")
struct WebhookTests {
    /// Private destinations allowed (the receiver is on loopback), retries fast.
    static func fast(_ configuration: inout AppConfiguration) {
        configuration.webhooksAllowPrivate = true
        configuration.webhooksBackoffSeconds = 0.1
        configuration.webhooksBackoffCapSeconds = 0.5
    }

    static func webhooks(_ world: TelephonyWorld) -> String { "/api/v1/admin/companies/\(world.companyId)/webhooks" }

    /// Creates a subscription signed with the receiver's secret; answers its id.
    static func subscribe(
        _ world: TelephonyWorld,
        url: String,
        events: [String],
        filters: String = "{}",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Int64 {
        let kinds = events.map { "\"\($0)\"" }.joined(separator: ",")
        return try await world.client.create(
            webhooks(world),
            token: world.adminToken,
            json: #"{"url":"\#(url)","events":[\#(kinds)],"filters":\#(filters),"secret":"\#(WebhookReceiver.secret)"}"#,
            sourceLocation: sourceLocation
        )
    }

    /// The subscription's deliveries, newest first.
    static func deliveries(_ world: TelephonyWorld, _ webhookId: Int64) async throws -> [[String: Any]] {
        try await world.client.must(.get, "\(webhooks(world))/\(webhookId)/deliveries?limit=500", token: world.adminToken).json().objects("items") ?? []
    }

    /// The calls the gateway sees at `device`.
    static func callCount(_ world: TelephonyWorld, _ device: String) -> Int {
        world.server.events.line(domainId: world.domainId, device: device)?.calls.count ?? 0
    }

    /// A call from `from` to `to`, answered, then ended by the caller; waits until the gateway saw it end.
    static func call(_ world: TelephonyWorld, from: String, to: String) async throws {
        try await world.simulator.placeCall(from: from, to: to)
        try await eventually("\(to) rings") { callCount(world, to) == 1 }
        try await world.simulator.answer(device: to)
        try await world.simulator.hangUp(device: from)
        try await eventually("the call ended at \(from) and \(to)") { callCount(world, from) == 0 && callCount(world, to) == 0 }
    }

    @Test("Call events and call logs arrive in order, signed (checked by Python's hmac), filtered by user and by device")
    func callEventsArriveInOrderSignedAndFiltered() async throws {
        let receiver = try WebhookReceiver.start()
        try await TelephonyWorld.run(app: Self.fast) { world in
            let all = try await Self.subscribe(world, url: receiver.url("/all"), events: ["call", "call_log"])
            let bob = try await Self.subscribe(world, url: receiver.url("/bob"), events: ["call", "call_log"], filters: #"{"users":[\#(world.userId("bob"))]}"#)
            let device = try await Self.subscribe(world, url: receiver.url("/1003"), events: ["call"], filters: #"{"devices":["1003"]}"#)

            try await Self.call(world, from: "1001", to: "1002")
            try await Self.call(world, from: "1004", to: "1003")
            try await eventually("both calls' events and logs delivered to /all", timeout: .seconds(20)) {
                let records = receiver.records().filter { $0.path == "/all" }
                return records.filter { $0.kind == "call_log" }.count == 4
                    && Set(["1001", "1002", "1003", "1004"]).allSatisfy { device in
                        records.contains { $0.kind == "call" && $0.dataDevice == device && $0.dataEvent == "cleared" }
                    }
            }
            try await eventually("every delivery of the three subscriptions answered", timeout: .seconds(20)) {
                for id in [all, bob, device] where try await Self.deliveries(world, id).contains(where: { $0.string("status") != "delivered" }) {
                    return false
                }
                return true
            }
            let records = receiver.records()
            #expect(!records.isEmpty && records.allSatisfy { $0.signature == "valid" }, "\(records.map(\.signature))")
            #expect(records.allSatisfy { $0.headers["Content-Type"] == "application/json" })

            // In order per subscription: call events by increasing seq, and each device's states in call order.
            let calls = records.filter { $0.path == "/all" && $0.kind == "call" }
            let seqs = calls.compactMap(\.seq)
            #expect(seqs.count == calls.count && seqs == seqs.sorted() && Set(seqs).count == seqs.count, "\(seqs)")
            #expect(calls.allSatisfy { $0.companyId == world.companyId && $0.domainId == world.domainId })
            let at1002 = calls.filter { $0.dataDevice == "1002" }.compactMap(\.dataEvent)
            #expect(at1002.first == "delivered" && at1002.last == "cleared" && at1002.contains("established"), "\(at1002)")
            let at1001 = calls.filter { $0.dataDevice == "1001" }.compactMap(\.dataEvent)
            #expect(at1001.last == "cleared" && at1001.firstIndex(of: "established")! < at1001.lastIndex(of: "cleared")!, "\(at1001)")

            // The user filter: bob's device and bob's call log only; the device filter: 1003 only.
            let toBob = records.filter { $0.path == "/bob" }
            #expect(!toBob.isEmpty && toBob.filter { $0.kind == "call" }.allSatisfy { $0.dataDevice == "1002" }, "\(toBob.map(\.dataDevice))")
            #expect(toBob.filter { $0.kind == "call_log" }.map(\.dataUserId) == [world.userId("bob")])
            let to1003 = records.filter { $0.path == "/1003" }
            #expect(!to1003.isEmpty && to1003.allSatisfy { $0.kind == "call" && $0.dataDevice == "1003" })

            // The delivery list names what was sent: TWS-Webhook-Id, event id, kind, seq, one 200 attempt each.
            let listed = try await Self.deliveries(world, all)
            let received = Dictionary(records.filter { $0.path == "/all" }.map { ($0.deliveryId ?? "", $0) }, uniquingKeysWith: { first, _ in first })
            #expect(listed.count == received.count)
            for delivery in listed {
                let record = try #require(received[String(delivery.int64("id") ?? 0)], "delivery \(delivery) not received")
                #expect(delivery.string("eventId") == record.id && delivery.string("kind") == record.kind)
                #expect(delivery.int64("seq") == record.seq)
                let attempts = delivery.objects("attempts") ?? []
                #expect(attempts.count == 1 && attempts.first?.int("httpStatus") == 200 && attempts.first?.string("responseExcerpt") == "ok")
            }
        }
        receiver.stop()
    }

    @Test("A receiver down for a while gets everything once it is up again, in order, nothing lost")
    func receiverDownThenUp() async throws {
        let receiver = try WebhookReceiver.start()
        receiver.stop()
        try await TelephonyWorld.run(app: Self.fast) { world in
            let webhookId = try await Self.subscribe(world, url: receiver.url(), events: ["call"])
            for _ in 0..<3 { try await Self.call(world, from: "1001", to: "1002") }
            // Refused connections, retried: attempts with errors and no status, nothing delivered.
            try await eventually("failed attempts recorded", timeout: .seconds(20)) {
                let listed = try await Self.deliveries(world, webhookId)
                return listed.contains { ($0.objects("attempts")?.count ?? 0) >= 2 && $0.objects("attempts")?.first?.int("httpStatus") == nil }
            }
            let pending = try await Self.deliveries(world, webhookId)
            #expect(pending.allSatisfy { $0.string("status") == "pending" })

            try receiver.restart()
            try await eventually("all delivered", timeout: .seconds(30)) {
                try await Self.deliveries(world, webhookId).allSatisfy { $0.string("status") == "delivered" }
            }
            let listed = try await Self.deliveries(world, webhookId)
            let records = receiver.records()
            #expect(Set(records.compactMap(\.deliveryId)) == Set(listed.compactMap { $0.int64("id").map(String.init) }))
            let seqs = records.compactMap(\.seq)
            #expect(seqs == seqs.sorted() && records.count == listed.count && listed.count >= 3 * 4, "\(seqs)")
            #expect(records.allSatisfy { $0.signature == "valid" })
        }
        receiver.stop()
    }

    @Test("A receiver that answers 500 is retried (attempts listed with status and excerpt), then delivered when it recovers")
    func failingReceiverIsRetried() async throws {
        let receiver = try WebhookReceiver.start(mode: "500")
        try await TelephonyWorld.run(app: Self.fast) { world in
            let webhookId = try await Self.subscribe(world, url: receiver.url(), events: ["call"])
            try await world.client.must(.post, "\(Self.webhooks(world))/\(webhookId)/ping", token: world.adminToken, answer: .accepted)
            try await eventually("three failed attempts", timeout: .seconds(20)) {
                (try await Self.deliveries(world, webhookId).first?.objects("attempts")?.count ?? 0) >= 3
            }
            try await receiver.setMode("ok")
            try await eventually("delivered", timeout: .seconds(20)) { try await Self.deliveries(world, webhookId).first?.string("status") == "delivered" }
            let delivery = try #require(try await Self.deliveries(world, webhookId).first)
            let attempts = delivery.objects("attempts") ?? []
            #expect(delivery.string("kind") == "ping")
            #expect(attempts.dropLast().allSatisfy { $0.int("httpStatus") == 500 && $0.string("responseExcerpt") == "boom" && $0.string("error") == "HTTP 500" })
            #expect(attempts.last?.int("httpStatus") == 200)
            // Every attempt carried the same event id and delivery id (receivers deduplicate by them).
            let records = receiver.records()
            #expect(records.count == attempts.count && Set(records.map(\.id)).count == 1 && Set(records.compactMap(\.deliveryId)).count == 1)
        }
        receiver.stop()
    }

    @Test("A receiver slower than the timeout gets the delivery again; the attempt says timeout")
    func slowReceiverTimesOutAndIsRetried() async throws {
        let receiver = try WebhookReceiver.start(mode: "slow 3")
        try await TelephonyWorld.run(app: { configuration in
            Self.fast(&configuration)
            configuration.webhooksTimeoutSeconds = 1
        }) { world in
            let webhookId = try await Self.subscribe(world, url: receiver.url(), events: ["call"])
            try await world.client.must(.post, "\(Self.webhooks(world))/\(webhookId)/ping", token: world.adminToken, answer: .accepted)
            try await eventually("a timed-out attempt", timeout: .seconds(20)) {
                try await Self.deliveries(world, webhookId).first?.objects("attempts")?.contains { $0.string("error") == "timeout" } == true
            }
            try await receiver.setMode("ok")
            try await eventually("delivered", timeout: .seconds(20)) { try await Self.deliveries(world, webhookId).first?.string("status") == "delivered" }
            let attempts = try await Self.deliveries(world, webhookId).first?.objects("attempts") ?? []
            #expect(attempts.first?.string("error") == "timeout" && attempts.first?.int("httpStatus") == nil)
            #expect(attempts.last?.int("httpStatus") == 200)
        }
        receiver.stop()
    }

    @Test("After the retry window a delivery is dead and the next one goes; a manual retry sends it again")
    func deadAfterWindowThenManualRetry() async throws {
        let receiver = try WebhookReceiver.start(mode: "500")
        try await TelephonyWorld.run(app: { configuration in
            Self.fast(&configuration)
            configuration.webhooksRetryWindowSeconds = 1
        }) { world in
            let webhookId = try await Self.subscribe(world, url: receiver.url(), events: ["call"])
            let path = "\(Self.webhooks(world))/\(webhookId)"
            try await world.client.must(.post, "\(path)/ping", token: world.adminToken, answer: .accepted)
            try await world.client.must(.post, "\(path)/ping", token: world.adminToken, answer: .accepted)
            try await eventually("both dead", timeout: .seconds(20)) {
                let listed = try await Self.deliveries(world, webhookId)
                return listed.count == 2 && listed.allSatisfy { $0.string("status") == "dead" }
            }
            let dead = try await Self.deliveries(world, webhookId)
            #expect(dead.allSatisfy { $0.string("deadReason")?.hasPrefix("retry window ended") == true && ($0.objects("attempts")?.count ?? 0) >= 1 })
            let oldest = try #require(dead.last?.int64("id"))
            // In order: the older one died before the newer one was first tried.
            let records = receiver.records()
            let firstOfNewer = records.firstIndex { $0.deliveryId != String(oldest) }
            #expect(firstOfNewer.map { records[$0...].allSatisfy { $0.deliveryId != String(oldest) } } == true)

            try await receiver.setMode("ok")
            let retried = try await world.client.must(.post, "\(path)/deliveries/\(oldest)/retry", token: world.adminToken, answer: .accepted).json()
            #expect(retried.string("status") == "pending")
            try await eventually("delivered after the manual retry", timeout: .seconds(20)) {
                try await Self.deliveries(world, webhookId).last?.string("status") == "delivered"
            }
            #expect(receiver.records().last?.deliveryId == String(oldest))
            #expect(try await Self.deliveries(world, webhookId).first?.string("status") == "dead")
            // A pending or unknown delivery cannot be retried.
            expectProblem(try await world.client.post("\(path)/deliveries/999999/retry", token: world.adminToken, json: "{}"), .notFound, "not_found")
        }
        receiver.stop()
    }

    @Test("Loopback, private and link-local destinations are refused (422) unless the configuration allows them")
    func privateDestinationsAreRefused() async throws {
        try await TWSTestApp.run { client in
            let admin = try await client.superUserToken()
            let companyId = try await client.createCompany("Acme", token: admin)
            let path = "/api/v1/admin/companies/\(companyId)/webhooks"
            for url in ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/", "http://192.168.0.10/", "http://169.254.169.254/latest",
                "http://[::1]/", "http://[fd00::1]/", "http://100.64.0.1/", "http://0.0.0.0/"]
            {
                let response = try await client.post(path, token: admin, json: #"{"url":"\#(url)","events":["call"]}"#)
                expectProblem(response, .unprocessableContent, "webhook_destination_refused", field: "url", url)
            }
            expectProblem(try await client.post(path, token: admin, json: #"{"url":"ftp://93.184.216.34/","events":["call"]}"#), .badRequest, "invalid_field")
            let created = try await client.must(.post, path, token: admin, json: #"{"url":"http://93.184.216.34/hook","events":["presence"],"active":false}"#, answer: .created)
                .json()
            let id = try #require(created.int64("id"))
            #expect(created.string("secret")?.count == 64)
            let patched = try await client.patch("\(path)/\(id)", token: admin, json: #"{"url":"http://127.0.0.1:9/"}"#)
            expectProblem(patched, .unprocessableContent, "webhook_destination_refused", field: "url")
            // The secret is shown once: not in reads, again only by rotation.
            let read = try await client.must(.get, "\(path)/\(id)", token: admin).json()
            #expect(read.string("secret") == nil && read.string("url") == "http://93.184.216.34/hook")
            let rotated = try await client.must(.post, "\(path)/\(id)/rotate-secret", token: admin).json()
            #expect(rotated.string("secret")?.count == 64 && rotated.string("secret") != created.string("secret"))
        }
        try await TWSTestApp.run(configure: { $0.webhooksAllowPrivate = true }) { client in
            let admin = try await client.superUserToken()
            let companyId = try await client.createCompany("Acme", token: admin)
            _ = try await client.create("/api/v1/admin/companies/\(companyId)/webhooks", token: admin, json: #"{"url":"http://127.0.0.1:9/","events":["call"]}"#)
        }
    }

    @Test("Another company's webhook and deliveries answer 404, like missing ones")
    func anotherCompanysWebhookAnswers404() async throws {
        try await TWSTestApp.run { client in
            let admin = try await client.superUserToken()
            let a = try await client.createCompany("Alpha", token: admin)
            let b = try await client.createCompany("Bravo", token: admin)
            _ = try await client.create(
                "/api/v1/admin/admins",
                token: admin,
                json: jsonObject(["username": "adminA", "password": "admin-a-password", "superUser": false, "companyIds": [a]])
            )
            let adminA = try await client.adminLogin("adminA", "admin-a-password").token
            let json = #"{"url":"http://93.184.216.34/hook","events":["call"],"active":false}"#
            let own = try await client.create("/api/v1/admin/companies/\(a)/webhooks", token: adminA, json: json)
            let other = try await client.create("/api/v1/admin/companies/\(b)/webhooks", token: admin, json: json)
            let delivery = try await client.must(.post, "/api/v1/admin/companies/\(b)/webhooks/\(other)/ping", token: admin, answer: .accepted).json()
            let deliveryId = try #require(delivery.int64("id"))
            let probes = [
                "/api/v1/admin/companies/\(b)/webhooks/\(other)/deliveries/\(deliveryId)/retry",
                "/api/v1/admin/companies/\(a)/webhooks/\(other)/deliveries/\(deliveryId)/retry",
                "/api/v1/admin/companies/\(a)/webhooks/\(own)/deliveries/\(deliveryId)/retry",
            ]
            let missing = try await client.post("/api/v1/admin/companies/\(a)/webhooks/\(own)/deliveries/9999999/retry", token: adminA, json: "{}")
            for uri in probes {
                let response = try await client.post(uri, token: adminA, json: "{}")
                expectProblem(response, .notFound, "not_found", uri)
                #expect(response.status == missing.status)
            }
            expectProblem(try await client.get("/api/v1/admin/companies/\(a)/webhooks/\(other)", token: adminA), .notFound, "not_found")
            // A user's token is not a manager's.
            expectProblem(try await client.get("/api/v1/admin/companies/\(a)/webhooks", token: nil), .unauthorized, "unauthenticated")
        }
    }

    @Test("kill -9 between the events and their delivery: after a restart on the same data, everything is delivered")
    func killedServerDeliversAfterRestart() async throws {
        var logger = Logger(label: "webhook-kill-tests")
        logger.logLevel = .critical
        let simulator = PBXSimulator(configuration: PBXSimulator.Configuration(keepAliveInterval: nil), logger: logger)
        let receiver = try WebhookReceiver.start()
        receiver.stop()
        try await simulator.running { pbxPort in
            let data = FileManager.default.temporaryDirectory.appendingPathComponent("tws-webhooks-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: data) }
            let (companyId, webhookId) = try await TWSTestApp.run(database: try AppDatabase.open(directory: data), configure: { $0.webhooksAllowPrivate = true }) { client in
                let admin = try await client.superUserToken()
                let companyId = try await client.createCompany("Telco", token: admin)
                _ = try await client.setLicence("Caller", companyId: companyId, available: 10, token: admin)
                let domainId = try await client.createDomain(companyId: companyId, name: "Lyon", token: admin)
                for (name, number) in [("alice", "1001"), ("bob", "1002")] {
                    let id = try await client.createUser(domainId: domainId, username: name, password: "pw-webhooks", token: admin)
                    _ = try await client.create("/api/v1/admin/users/\(id)/devices", token: admin, json: #"{"number":"\#(number)"}"#)
                }
                _ = try await client.create(
                    "/api/v1/admin/domains/\(domainId)/pbx-links",
                    token: admin,
                    json: #"{"host":"127.0.0.1","port":\#(pbxPort),"capacity":10,"pbxType":"simulator"}"#
                )
                let webhookId = try await client.create(
                    "/api/v1/admin/companies/\(companyId)/webhooks",
                    token: admin,
                    json: #"{"url":"\#(receiver.url())","events":["call","call_log"],"secret":"\#(WebhookReceiver.secret)"}"#
                )
                return (companyId, webhookId)
            }

            let port = try ShutdownTests.freePort()
            let base = "http://127.0.0.1:\(port)"
            @Sendable func startServer(port: Int) throws -> Process {
                try ShutdownTests.startServer(
                    data: data,
                    port: port,
                    environment: [
                        "TWS_WEBHOOKS_ALLOW_PRIVATE": "true", "TWS_WEBHOOKS_BACKOFF_SECONDS": "0.1", "TWS_WEBHOOKS_BACKOFF_CAP_SECONDS": "0.5",
                    ]
                )
            }
            let server = try startServer(port: port)
            defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
            try await eventually("the server monitors 1001 and 1002", timeout: .seconds(30)) {
                await simulator.monitoredDevices().isSuperset(of: ["1001", "1002"])
            }
            try await eventually("the server answers") { (try? await ShutdownTests.request("GET", "\(base)/health"))?.0 == 200 }
            let token = try await ShutdownTests.superUserToken(base)
            let list = "\(base)/api/v1/admin/companies/\(companyId)/webhooks/\(webhookId)/deliveries?limit=500"
            @Sendable func listed() async throws -> [[String: Any]] {
                ((try await ShutdownTests.request("GET", list, token: token)).1 as? [String: Any])?["items"] as? [[String: Any]] ?? []
            }
            for _ in 0..<2 {
                _ = try await simulator.placeCall(from: "1001", to: "1002")
                _ = try await simulator.answer(device: "1002")
                try await simulator.hangUp(device: "1001")
            }
            // Both calls' events and call logs are in the outbox, none delivered (the receiver is down).
            try await eventually("the outbox holds both calls", timeout: .seconds(20)) {
                let rows = try await listed()
                return rows.filter { $0["kind"] as? String == "call_log" }.count == 4
                    && rows.filter { $0["kind"] as? String == "call" && ($0["seq"] as? NSNumber) != nil }.count >= 8
            }
            let listedBefore = try await listed()
            #expect(listedBefore.allSatisfy { $0["status"] as? String == "pending" })
            let before = listedBefore.compactMap { ($0["id"] as? NSNumber)?.int64Value }.map(String.init)
            kill(server.processIdentifier, SIGKILL)
            try await eventually("the server is gone") { !server.isRunning }
            #expect(server.terminationReason == .uncaughtSignal)

            try receiver.restart()
            // On a port of its own: the killed server's port is free for any other test to take meanwhile.
            let restarted = try startServer(port: try ShutdownTests.freePort())
            defer { if restarted.isRunning { kill(restarted.processIdentifier, SIGKILL) } }
            try await eventually("everything recorded before the kill is delivered", timeout: .seconds(40)) {
                let received = Set(receiver.records().compactMap(\.deliveryId))
                return before.allSatisfy(received.contains)
            }
            let records = receiver.records()
            #expect(records.allSatisfy { $0.signature == "valid" })
            let seqs = records.filter { $0.kind == "call" }.compactMap(\.seq)
            #expect(seqs == seqs.sorted(), "\(seqs)")
            kill(restarted.processIdentifier, SIGTERM)
            try await eventually("the server exits", timeout: .seconds(20)) { !restarted.isRunning }
        }
        receiver.stop()
    }
}

import Domain
import Foundation
import Logging
import Storage
import Telephony
import Testing

@testable import Server

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Missed-call e-mails (issue 20) with the real `tws-server` binary on a file database: a mail pending when the process
/// is killed is sent once after the restart, and the SMTP password is in none of its logs, even at trace level.
@Suite("Missed-call e-mails: restart and logs", .serialized)
struct MissedCallMailRestartTests {
    static let password = "pw-alice-mail"

    /// The tenant, seeded in this process on the database the binary then opens: alice (1001, e-mails on) and bob
    /// (1002), the domain's SMTP server on loopback `smtpPort` (`extra` adds parameters), the link to `pbxPort`.
    /// Answers alice's and the domain's ids.
    @discardableResult
    static func seed(data: URL, pbxPort: Int, smtpPort: Int, extra: [(String, String)] = []) async throws -> (aliceId: Int64, domainId: Int64) {
        try await TWSTestApp.run(database: try AppDatabase.open(directory: data)) { client in
            var aliceId: Int64 = 0
            let admin = try await client.superUserToken()
            let companyId = try await client.createCompany("Telco", token: admin)
            let domainId = try await client.createDomain(companyId: companyId, name: "Lyon", token: admin)
            for (name, number) in [("alice", "1001"), ("bob", "1002")] {
                let id = try await client.createUser(domainId: domainId, username: name, password: password, token: admin)
                if name == "alice" { aliceId = id }
                _ = try await client.create("/api/v1/admin/users/\(id)/devices", token: admin, json: #"{"number":"\#(number)"}"#)
                _ = try await client.must(.patch, "/api/v1/admin/users/\(id)", token: admin, json: #"{"email":"\#(name)@example.org"}"#)
                try await client.grantUserApplication(userId: id, token: admin)
            }
            for (name, value) in [("smtp", "127.0.0.1"), ("SmtServerPort", String(smtpPort)), ("SmtpSender", "tws@example.org")] + extra {
                let set = try await client.setParameter(
                    scope: "domain",
                    scopeId: domainId,
                    application: "TwsServer",
                    name: name,
                    value: value,
                    token: admin
                )
                try #require(set.status == .ok || set.status == .created, "\(name): \(set.text)")
            }
            let alice = try await client.userLogin(username: "alice", password: password)
            _ = try await client.must(.put, "/api/v1/me/notifications", token: alice, json: #"{"missedCallEmail":true}"#)
            _ = try await client.create(
                "/api/v1/admin/domains/\(domainId)/pbx-links",
                token: admin,
                json: #"{"host":"127.0.0.1","port":\#(pbxPort),"capacity":10,"pbxType":"simulator"}"#
            )
            return (aliceId, domainId)
        }
    }

    /// The binary serving `data` on `port`, retrying mails after 0.2 s (at most 0.5 s), giving up an SMTP exchange
    /// after 3 s; its output goes to `log`.
    static func startServer(data: URL, port: Int, logLevel: String = "critical", log: FileHandle? = nil) throws -> Process {
        try ShutdownTests.startServer(
            data: data,
            port: port,
            environment: ["TWS_MAIL_BACKOFF_SECONDS": "0.2", "TWS_MAIL_BACKOFF_CAP_SECONDS": "0.5", "TWS_MAIL_TIMEOUT_SECONDS": "3"],
            logLevel: logLevel,
            log: log ?? FileHandle.nullDevice
        )
    }

    /// A GET answered as text (metrics, listings), with an optional bearer token.
    static func text(_ url: String, token: String? = nil) async throws -> String {
        var request = URLRequest(url: try #require(URL(string: url)))
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        return String(decoding: try await URLSession.shared.data(for: request).0, as: UTF8.self)
    }

    /// Mails by outcome on the server's `/metrics` (served to loopback without a token).
    static func mails(_ base: String, _ outcome: String) async -> Double {
        let metrics = (try? await text("\(base)/metrics")) ?? ""
        return MetricsTests.sample(metrics, "tws_mail_deliveries_total{outcome=\"\(outcome)\"}") ?? 0
    }

    /// Once the server answers and supervises both lines, bob calls alice and hangs up before she answers.
    static func missACall(_ simulator: PBXSimulator, base: String) async throws {
        try await eventually("the server answers", timeout: .seconds(30)) { (try? await ShutdownTests.request("GET", "\(base)/health"))?.0 == 200 }
        try await eventually("the server monitors 1001 and 1002", timeout: .seconds(30)) {
            await simulator.monitoredDevices().isSuperset(of: ["1001", "1002"])
        }
        _ = try await simulator.placeCall(from: "1002", to: "1001")
        try await simulator.hangUp(device: "1002")
    }

    static func quietSimulator() -> PBXSimulator {
        var logger = Logger(label: "mail-restart-tests")
        logger.logLevel = .critical
        return PBXSimulator(configuration: PBXSimulator.Configuration(keepAliveInterval: nil), logger: logger)
    }

    @Test("kill -9 with a mail pending for an SMTP server that is down: after a restart on the same data, it arrives once, intact")
    func killedServerSendsThePendingMailOnceAfterRestart() async throws {
        let simulator = Self.quietSimulator()
        let probe = try SMTPSink()
        let smtpPort = probe.port
        probe.stop()
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("tws-mail-restart-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: data) }
        try await simulator.running { pbxPort in
            try await Self.seed(data: data, pbxPort: pbxPort, smtpPort: smtpPort, extra: [("SmtpSecurity", "none")])
            let port = try ShutdownTests.freePort()
            let base = "http://127.0.0.1:\(port)"
            let server = try Self.startServer(data: data, port: port)
            defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }

            // The SMTP server is down: the mail is in the outbox, tried and waiting for its next attempt.
            try await Self.missACall(simulator, base: base)
            try await eventually("an attempt failed against the stopped SMTP server", timeout: .seconds(30)) {
                await Self.mails(base, "failed_attempt") >= 1
            }
            #expect(await Self.mails(base, "sent") == 0)
            kill(server.processIdentifier, SIGKILL)
            try await eventually("the server is gone") { !server.isRunning }
            #expect(server.terminationReason == .uncaughtSignal)

            let sink = try SMTPSink(port: smtpPort)
            defer { sink.stop() }
            // On a port of its own: the killed server's port is free for any other test to take meanwhile.
            let restartedPort = try ShutdownTests.freePort()
            let restarted = try Self.startServer(data: data, port: restartedPort)
            defer { if restarted.isRunning { kill(restarted.processIdentifier, SIGKILL) } }
            try await eventually("the mail arrives after the restart", timeout: .seconds(30)) { sink.received().count >= 1 }
            try await eventually("the restarted server counts it sent", timeout: .seconds(30)) {
                await Self.mails("http://127.0.0.1:\(restartedPort)", "sent") == 1
            }
            // Nothing else is due: a second copy would have gone out with it (retries are at most 0.5 s apart).
            try await Task.sleep(for: .seconds(1))
            let received = sink.received()
            #expect(received.count == 1)
            let messageIds = received.compactMap {
                ($0["data"] as? String)?.split(separator: "\r\n").first { $0.lowercased().hasPrefix("message-id:") }
            }
            #expect(messageIds.count == 1 && Set(messageIds).count == 1, "\(messageIds)")
            let mail = try #require(received.first)
            #expect(mail["to"] as? [String] == ["alice@example.org"] && mail["from"] as? String == "tws@example.org")
            let body = try #require(mail["data"] as? String)
            // Bob's name is in no directory alice reads: the mail names the caller by number.
            #expect(body.contains("\r\nSubject: Missed call from 1002\r\n"), "\(body.prefix(600))")
            let text = try #require(SMTPSink.parts(body)["text/plain"])
            #expect(text.contains("You missed a call from 1002 on ") && text.contains("on your line 1001."), "\(text)")
            #expect(text.contains("/app/?callBack=") && SMTPSink.parts(body)["text/html"]?.contains("callBack=") == true)
            kill(restarted.processIdentifier, SIGTERM)
            try await eventually("the server exits", timeout: .seconds(20)) { !restarted.isRunning }
        }
    }

    @Test("The SMTP password is in no log line at trace level, neither when AUTH fails nor when the mail goes, nor in /metrics or listings")
    func smtpPasswordIsNeverLogged() async throws {
        let simulator = Self.quietSimulator()
        let wrong = "Wr0ng-smtp-secret-ZQ81x"
        let right = "R1ght-smtp-secret-KV27y"
        let sink = try SMTPSink(["--user", "mailer", "--password", right])
        defer { sink.stop() }
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("tws-mail-log-\(UUID().uuidString.prefix(8))")
        let logFile = data.appendingPathExtension("log")
        defer {
            try? FileManager.default.removeItem(at: data)
            try? FileManager.default.removeItem(at: logFile)
        }
        try await simulator.running { pbxPort in
            let (aliceId, domainId) = try await Self.seed(data: data, pbxPort: pbxPort, smtpPort: sink.port, extra: [("SmtAuthUserName", "mailer")])
            #expect(FileManager.default.createFile(atPath: logFile.path, contents: nil))
            let log = try FileHandle(forWritingTo: logFile)
            defer { try? log.close() }
            let port = try ShutdownTests.freePort()
            let base = "http://127.0.0.1:\(port)"
            let server = try Self.startServer(data: data, port: port, logLevel: "trace", log: log)
            defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
            try await eventually("the server answers", timeout: .seconds(30)) {
                (try? await ShutdownTests.request("GET", "\(base)/health"))?.0 == 200
            }
            let admin = try await ShutdownTests.superUserToken(base)
            let parameter = "\(base)/api/v1/admin/parameter-values/domain/\(domainId)/TwsServer/SmtAuthPassword"
            var answers: [String] = []

            // A wrong password, set through the API of the running server: the mail is not sent (the sink never answers
            // a failed AUTH, so the attempt ends at the 3 s timeout).
            let (setWrong, wrongAnswer) = try await ShutdownTests.request("PUT", parameter, token: admin, json: #"{"value":"\#(wrong)"}"#)
            #expect(setWrong == 200 || setWrong == 201)
            answers.append(String(describing: wrongAnswer))
            try await Self.missACall(simulator, base: base)
            try await eventually("the refused attempt is counted", timeout: .seconds(30)) {
                await Self.mails(base, "failed_attempt") + Self.mails(base, "dead") >= 1
            }
            #expect(sink.received().isEmpty)

            // The right one: the next missed call's mail goes through.
            let (setRight, rightAnswer) = try await ShutdownTests.request("PUT", parameter, token: admin, json: #"{"value":"\#(right)"}"#)
            #expect(setRight == 200 || setRight == 201)
            answers.append(String(describing: rightAnswer))
            _ = try await simulator.placeCall(from: "1002", to: "1001")
            try await simulator.hangUp(device: "1002")
            try await eventually("a mail arrives with the right password", timeout: .seconds(30)) {
                sink.received().contains { $0["login"] as? String == "mailer" }
            }
            answers.append(try await Self.text("\(base)/metrics"))
            answers.append(try await Self.text("\(base)/api/v1/admin/parameter-values?scope=domain&scopeId=\(domainId)", token: admin))
            answers.append(try await Self.text("\(base)/api/v1/admin/users/\(aliceId)/parameters?expert=true", token: admin))
            kill(server.processIdentifier, SIGTERM)
            try await eventually("the server exits", timeout: .seconds(20)) { !server.isRunning }

            let logged = try String(contentsOf: logFile, encoding: .utf8)
            // The run was logged at trace level (requests, the mail's failure), so the check below has lines to read.
            #expect(logged.contains("e-mail not sent"), "\(logged.suffix(2000))")
            #expect(logged.split(separator: "\n").count > 20)
            for secret in [wrong, right] {
                // In clear, and as AUTH LOGIN (base64 of the password) and AUTH PLAIN (base64 of "\0user\0password") send it.
                let forms = [secret, Data(secret.utf8).base64EncodedString(), Data("\u{0}mailer\u{0}\(secret)".utf8).base64EncodedString()]
                for form in forms {
                    #expect(!logged.contains(form), "the log holds \(form)")
                    for answer in answers { #expect(!answer.contains(form), "an answer holds \(form): \(answer.prefix(300))") }
                }
            }
        }
    }
}

import Domain
import Foundation
import HummingbirdTesting
import Telephony
import Testing

@testable import Server

/// Missed-call e-mails (issue 20) end to end: the real server and PBX simulator, and a real SMTP server
/// (scripts/smtp_sink.py on Debian's python3-aiosmtpd) that writes what it accepts to a file this test reads back.
@Suite("Missed-call e-mails", .serialized)
struct MissedCallMailTests {
    static let external = "0612345678"
    static let smtpPassword = "pw-of-the-smtp-account-7f3a"
    /// The sink requires AUTH with this account (over plain text on loopback: no certificate).
    static let sinkAccount = ["--user", "mailer", "--password", smtpPassword]

    /// Alice's address and e-mails turned on, the domain in Paris time and its SMTP server the sink (account and
    /// password through the `Smtp…` aliases), Claire Martin's mobile in a directory alice reads; bob may not have e-mails.
    static func setUp(smtpPort: Int) -> @Sendable (any TestClientProtocol, String, Int64, [String: Int64]) async throws -> Void {
        { client, admin, domainId, users in
            _ = try await client.must(.patch, "/api/v1/admin/domains/\(domainId)", token: admin, json: #"{"timeZone":"Europe/Paris"}"#)
            for name in ["alice", "bob"] {
                _ = try await client.must(.patch, "/api/v1/admin/users/\(users[name]!)", token: admin, json: #"{"email":"\#(name)@example.org","firstName":"\#(name.capitalized)"}"#)
            }
            for (name, value) in [
                ("smtp", "127.0.0.1"), ("SmtpServerPort", String(smtpPort)), ("SmtpAuthUserName", "mailer"), ("SmtpAuthPassword", smtpPassword),
                ("SmtpSecurity", "starttls"), ("SmtpSender", "tws@example.org"),
            ] {
                let set = try await client.setParameter(scope: "domain", scopeId: domainId, application: "TwsServer", name: name, value: value, token: admin)
                #expect(set.status == .ok || set.status == .created, "\(name): \(set.text)")
                #expect(!set.text.contains(smtpPassword))
            }
            _ = try await client.setParameter(
                scope: "user", scopeId: users["bob"]!, application: "Caller", name: "AuthorizedEmailNotification", value: "false", token: admin
            )
            let directories = try await client.must(.get, "/api/v1/admin/domains/\(domainId)/directories", token: admin).items()
            let directoryId = try #require(directories.first { $0.string("source") == "TwsPublic" }?.int64("id"))
            _ = try await client.create(
                "/api/v1/admin/directories/\(directoryId)/contacts",
                token: admin,
                json: #"{"lastName":"Martin","firstName":"Claire","phones":[{"kind":"mobile","number":"+33 6 12 34 56 78"}]}"#
            )
            try await client.grant("directory", directoryId, to: "user", users["alice"]!, token: admin)
        }
    }

    /// Alice turns e-mails on, then misses a call from the outside.
    static func missACall(_ w: TelephonyWorld) async throws {
        let on = try await w.client.must(.put, "/api/v1/me/notifications", token: w.token("alice"), json: #"{"missedCallEmail":true}"#)
        #expect(try on.json().bool("missedCallEmail") == true)
        _ = try await w.simulator.placeCall(from: external, to: "1001")
        try await w.waitPresence("alice", "ringing")
        try await w.simulator.hangUp(device: external)
    }

    /// The token of the call-back link in a mail's text.
    static func token(_ text: String) throws -> String {
        let link = try #require(text.split(whereSeparator: \.isWhitespace).first { $0.contains("/app/?callBack=") })
        return String(try #require(link.components(separatedBy: "callBack=").last))
    }

    @Test func anUnansweredCallSendsOneMailWhoseLinkCallsTheCallerBackOnce() async throws {
        let sink = try SMTPSink(Self.sinkAccount)
        defer { sink.stop() }
        try await TelephonyWorld.run(setUp: Self.setUp(smtpPort: sink.port)) { w in
            // Bob may not turn e-mails on: 403 with a stable code; reading his settings says so.
            expectProblem(
                try await w.client.put("/api/v1/me/notifications", token: w.token("bob"), json: #"{"missedCallEmail":true}"#),
                .forbidden,
                "email_notification_not_authorized"
            )
            let bobs = try await w.client.must(.get, "/api/v1/me/notifications", token: w.token("bob")).json()
            #expect(bobs.bool("allowed") == false && bobs.bool("missedCallEmail") == false && bobs.string("email") == "bob@example.org")

            try await Self.missACall(w)
            try await eventually("the mail reached the SMTP server") { sink.received().count == 1 }
            let mail = try #require(sink.received().first)
            #expect(mail["to"] as? [String] == ["alice@example.org"] && mail["from"] as? String == "tws@example.org")
            #expect(mail["login"] as? String == "mailer")
            let data = try #require(mail["data"] as? String)
            #expect(data.contains("Subject: Missed call from Claire Martin (\(Self.external))"))
            let parts = SMTPSink.parts(data)
            let text = try #require(parts["text/plain"])
            let html = try #require(parts["text/html"])
            let entry = try await w.waitLog("alice")
            let started = try #require(entry.string("startedAt").flatMap(ISO8601DateFormatter().date(from:)))
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "Europe/Paris")
            formatter.dateFormat = "yyyy-MM-dd HH:mm"
            let when = "\(formatter.string(from: started)) (Europe/Paris)"
            #expect(text.contains("You missed a call from Claire Martin (\(Self.external)) on \(when), on your line 1001."), "\(text)")
            #expect(html.contains("<strong>Claire Martin</strong>") && html.contains(when) && html.contains("<a href=\"http://"))
            let token = try Self.token(text)
            #expect(html.contains("callBack=\(token)"))

            // Someone else's link, a forged one: refused without calling.
            expectProblem(try await w.client.post("/api/v1/call-back-links/\(token)", token: w.token("bob"), json: "{}"), .forbidden, "call_back_link_not_yours")
            var forged = Array(token)
            forged[forged.count - 2] = forged[forged.count - 2] == "A" ? "B" : "A"
            expectProblem(try await w.client.post("/api/v1/call-back-links/\(String(forged))", token: w.token("alice"), json: "{}"), .notFound, "not_found")
            expectProblem(try await w.client.post("/api/v1/call-back-links/not-a-token", token: w.token("alice"), json: "{}"), .notFound, "not_found")

            // Alice opens it: her line calls the caller back; then the link is used.
            let placed = try await w.client.must(.post, "/api/v1/call-back-links/\(token)", token: w.token("alice"), json: "{}", answer: .created).json()
            #expect(placed.string("device") == "1001")
            // The dialing plan added the external prefix: the PBX sees 1001 call that number.
            let dialled = try #require((placed["dialled"] as? [String: Any])?.string("number"))
            #expect(dialled.hasSuffix(Self.external))
            try await eventually("the PBX sees 1001 call the caller") {
                await w.simulator.calls().contains { $0.callingDevice == "1001" && $0.calledDevice == dialled }
            }
            expectProblem(try await w.client.post("/api/v1/call-back-links/\(token)", token: w.token("alice"), json: "{}"), .gone, "call_back_link_used")

            // Exactly one mail; the password is in no answer about parameters.
            try await Task.sleep(for: .milliseconds(300))
            #expect(sink.received().count == 1)
            let answers = [
                try await w.client.must(.get, "/api/v1/admin/parameter-values?scope=domain&scopeId=\(w.domainId)", token: w.adminToken).text,
                try await w.client.must(.get, "/api/v1/admin/users/\(w.userId("alice"))/parameters?expert=true", token: w.adminToken).text,
                try await w.client.must(.get, "/api/v1/me", token: w.token("alice")).text,
            ]
            for answer in answers {
                #expect(!answer.contains(Self.smtpPassword))
            }
            #expect(answers[0].contains("SmtAuthPassword") && answers[0].contains(ParameterDefinition.masked))
        }
    }

    @Test("The mail's link opened in a browser: the web client asks alice to sign in, then her line calls the caller back once")
    func theLinkInTheWebClientAsksToSignInThenCallsBack() async throws {
        let sink = try SMTPSink(Self.sinkAccount)
        defer { sink.stop() }
        try await TelephonyWorld.run(live: true, setUp: Self.setUp(smtpPort: sink.port)) { w in
            try await Self.missACall(w)
            try await eventually("the mail reached the SMTP server") { sink.received().count == 1 }
            let data = try #require(sink.received().first?["data"] as? String)
            let text = try #require(SMTPSink.parts(data)["text/plain"])
            let token = try Self.token(text)
            let port = try #require(w.client.port)
            try await HeadlessBrowser.run { browser in
                // Not signed in: the page says what the link needs, and nothing is called yet.
                try await browser.open("http://localhost:\(port)/app/?callBack=\(token)")
                try await browser.wait("the sign-in prompt", until: "return document.getElementById('sign-in-error').textContent !== '';")
                #expect(try await browser.text("#sign-in-error") == "Sign in to call back your missed call.")
                #expect(await w.simulator.calls().isEmpty)
                try await browser.type("alice", into: "#username")
                try await browser.type(TelephonyWorld.password, into: "#password")
                try await browser.click("#sign-in-button")
                try await browser.wait(
                    "the call back placed",
                    until: "return document.getElementById('call-back-status').textContent.startsWith('Calling ');"
                )
                #expect(try await browser.text("#call-back-status")?.hasSuffix(" from 1001") == true)
                // The token left the address bar, so a reload does not call again.
                #expect(try await browser.run("return location.search;") as? String == "")
            }
            try await eventually("the PBX sees 1001 call the caller") {
                await w.simulator.calls().contains { $0.callingDevice == "1001" && ($0.calledDevice ?? "").hasSuffix(Self.external) }
            }
            // The link worked once.
            expectProblem(try await w.client.post("/api/v1/call-back-links/\(token)", token: w.token("alice"), json: "{}"), .gone, "call_back_link_used")
        }
    }

    @Test func anSMTPServerThatIsDownGetsTheMailOnceItIsBackAndAnExpiredLinkIsRefused() async throws {
        let probe = try SMTPSink()
        let port = probe.port
        probe.stop()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tws-mail-\(UUID().uuidString.prefix(8)).jsonl")
        try await TelephonyWorld.run(
            app: { configuration in
                configuration.mailBackoffSeconds = 0.2
                configuration.mailBackoffCapSeconds = 0.5
                configuration.callBackLinkValiditySeconds = 3
            },
            setUp: Self.setUp(smtpPort: port)
        ) { w in
            try await Self.missACall(w)
            try await eventually("an attempt failed against the stopped server") { w.server.mailDispatcher.counters.failed >= 1 }
            let sink = try SMTPSink(Self.sinkAccount, port: port, out: out)
            defer { sink.stop() }
            try await eventually("the mail arrives once the server is back") { sink.received().count == 1 }
            try await Task.sleep(for: .seconds(1))
            #expect(sink.received().count == 1)
            #expect(w.server.mailDispatcher.counters.sent == 1)
            let data = try #require(sink.received().first?["data"] as? String)
            let text = try #require(SMTPSink.parts(data)["text/plain"])
            let token = try Self.token(text)
            // Links of this server last 3 s: past that (the mail came 1 s ago at least), it is refused and calls nobody.
            try await Task.sleep(for: .seconds(3))
            expectProblem(try await w.client.post("/api/v1/call-back-links/\(token)", token: w.token("alice"), json: "{}"), .gone, "call_back_link_expired")
            #expect(await !w.simulator.calls().contains { $0.callingDevice == "1001" })
        }
    }
}

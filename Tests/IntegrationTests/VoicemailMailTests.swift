import Domain
import Foundation
import HummingbirdTesting
import Telephony
import Testing

@testable import Server

/// New-voicemail e-mails (issue 21) end to end: the PBX simulator's voicemail system lights a lamp, the server mails
/// the line's owner through a real SMTP server (Debian's aiosmtpd sink), and the mail's link calls the voicemail.
@Suite("Voicemail e-mails", .serialized)
struct VoicemailMailTests {
    @Test(
        "A message left for alice mails her once, with a link that calls 8888 from her line; a lamp read after a reconnection or already on mails nobody",
        arguments: SimulatorStyle.allCases
    )
    func aMessageMailsItsOwnerOnce(style: SimulatorStyle) async throws {
        let sink = try SMTPSink(MissedCallMailTests.sinkAccount)
        defer { sink.stop() }
        try await TelephonyWorld.run(
            style: style,
            simulator: { $0.switchConfiguration.numbering.voicemail = VoicemailTests.voicemail },
            link: { $0.initialBackoff = .seconds(1); $0.maximumBackoff = .seconds(1) },
            setUp: { client, admin, domainId, users in
                try await MissedCallMailTests.setUp(smtpPort: sink.port)(client, admin, domainId, users)
                _ = try await client.setParameter(scope: "domain", scopeId: domainId, application: "Caller", name: "vmNumber", value: VoicemailTests.voicemail, token: admin)
            }
        ) { w in
            // Bob may not (AuthorizedEmailNotification), alice turns voicemail mails on and leaves missed-call mails off.
            expectProblem(
                try await w.client.put("/api/v1/me/notifications", token: w.token("bob"), json: #"{"voicemailEmail":true}"#),
                .forbidden,
                "email_notification_not_authorized"
            )
            expectProblem(try await w.client.put("/api/v1/me/notifications", token: w.token("alice"), json: "{}"), .badRequest, "invalid_field")
            let on = try await w.client.must(.put, "/api/v1/me/notifications", token: w.token("alice"), json: #"{"voicemailEmail":true}"#).json()
            #expect(on.bool("voicemailEmail") == true && on.bool("missedCallEmail") == false)
            #expect(try await w.client.must(.get, "/api/v1/me/notifications", token: w.token("alice")).json().bool("voicemailEmail") == true)

            // Bob calls alice, who forwards to her voicemail: he leaves a message.
            try await w.client.must(
                .put,
                "/api/v1/telephony/devices/1001/forwarding",
                token: w.token("alice"),
                json: #"{"kind":"immediate","enabled":true,"destination":"\#(VoicemailTests.voicemail)"}"#
            )
            try await eventually("alice forwarded on the PBX") { await w.simulator.forwarding(of: "1001").contains { $0.forwardStatus } }
            _ = try await w.simulator.placeCall(from: "1002", to: "1001")
            try await eventually("bob at alice's voicemail") { await w.simulator.calls().first?.connections.contains { $0.state == .connected } == true }
            try await w.simulator.hangUp(device: "1002")
            try await eventually("the mail reached the SMTP server") { sink.received().count == 1 }
            let mail = try #require(sink.received().first)
            #expect(mail["to"] as? [String] == ["alice@example.org"])
            let data = try #require(mail["data"] as? String)
            #expect(data.contains("Subject: New voicemail message on your line 1001"))
            let parts = SMTPSink.parts(data)
            let text = try #require(parts["text/plain"])
            #expect(text.contains("A new voicemail message was left for you on your line 1001 on "), "\(text)")
            #expect(text.contains("(Europe/Paris)") && text.contains("calls your voicemail (\(VoicemailTests.voicemail))"))
            #expect(try #require(parts["text/html"]).contains(">Listen</a>"))
            let token = try MissedCallMailTests.token(text)

            // A second message while the lamp is on, and the lamp read again after a reconnection: no new mail.
            try await w.simulator.leaveVoicemail(for: "1001")
            let before = w.server.links.linkStates().first?.reconnects ?? 0
            await w.simulator.dropAllConnections()
            try await eventually("reconnected") { (w.server.links.linkStates().first?.reconnects ?? 0) > before }
            try await eventually("monitors back") { await w.simulator.monitoredDevices().isSuperset(of: ["1001", "1002"]) }
            try await eventually("alice's lamp still on") { try await VoicemailTests.lamp(w, "alice", "1001") == true }

            // The link: alice's line calls her voicemail, once.
            try await w.client.must(
                .put,
                "/api/v1/telephony/devices/1001/forwarding",
                token: w.token("alice"),
                json: #"{"kind":"immediate","enabled":false}"#
            )
            let placed = try await w.client.must(.post, "/api/v1/call-back-links/\(token)", token: w.token("alice"), json: "{}", answer: .created).json()
            #expect(placed.string("device") == "1001")
            #expect(placed.object("dialled")?.string("number") == VoicemailTests.voicemail)
            expectProblem(try await w.client.post("/api/v1/call-back-links/\(token)", token: w.token("alice"), json: "{}"), .gone, "call_back_link_used")
            try await eventually("alice listening") { (try? await w.calls("alice"))?.first?["answeredAt"] != nil }
            try await w.simulator.hangUp(device: "1001")
            try await eventually("alice's lamp out") { try await VoicemailTests.lamp(w, "alice", "1001") == false }

            // A message left while the gateway was away is read when monitoring starts again: a state, maybe old, not news.
            let away = w.server.links.linkStates().first?.reconnects ?? 0
            await w.simulator.dropAllConnections()
            try await w.simulator.leaveVoicemail(for: "1001")
            try await eventually("reconnected again") { (w.server.links.linkStates().first?.reconnects ?? 0) > away }
            try await eventually("alice's lamp read on") { try await VoicemailTests.lamp(w, "alice", "1001") == true }
            await w.simulator.hearVoicemail(of: "1001")
            try await eventually("alice's lamp out again") { try await VoicemailTests.lamp(w, "alice", "1001") == false }
            #expect(sink.received().count == 1)

            // A new message after the lamp went out is news again; bob's lamp mails nobody (he may not).
            try await w.simulator.leaveVoicemail(for: "1001")
            try await w.simulator.leaveVoicemail(for: "1002")
            try await eventually("the second mail") { sink.received().count == 2 }
            try await eventually("bob's lamp on") { try await VoicemailTests.lamp(w, "bob", "1002") == true }
            try await Task.sleep(for: .milliseconds(300))
            #expect(sink.received().count == 2)
            #expect(sink.received().allSatisfy { $0["to"] as? [String] == ["alice@example.org"] })
        }
    }
}

import Domain
import Foundation
import Telephony
import Testing

@testable import Server

/// The voicemail number and the message-waiting indicator (admin guide 9.1.4), end to end: REST and SOAP → CSTA over
/// TCP → the simulator's voicemail system → MessageWaitingEvent / GetMessageWaitingIndicator → line view and push
/// channel, in each manner the simulator speaks.
@Suite("Voicemail", .serialized)
struct VoicemailTests {
    static let voicemail = "8888"

    /// A world whose switch has a voicemail system on 8888, the domain's `vmNumber` set to it, and alice authorised to
    /// an intercom group holding bob's line (she sees his device, never his lamp).
    static func run(
        style: SimulatorStyle,
        link: @escaping @Sendable (inout CSTALinkConfiguration) -> Void = { _ in },
        live: Bool = false,
        _ test: @Sendable (TelephonyWorld) async throws -> Void
    ) async throws {
        try await TelephonyWorld.run(
            style: style,
            simulator: { $0.switchConfiguration.numbering.voicemail = voicemail },
            link: link,
            live: live,
            setUp: { client, admin, domainId, users in
                let set = try await client.setParameter(
                    scope: "domain",
                    scopeId: domainId,
                    application: "Caller",
                    name: "vmNumber",
                    value: voicemail,
                    token: admin
                )
                #expect(set.status.code < 300)
                let team = try await client.create(
                    "/api/v1/admin/domains/\(domainId)/intercom-groups",
                    token: admin,
                    json: #"{"name":"Team","devices":[{"number":"1001"},{"number":"1002"}]}"#
                )
                try await client.grant("intercomGroup", team, to: "user", users["alice"]!, token: admin)
            },
            test
        )
    }

    /// `user`'s own line `device` as REST shows it.
    static func lamp(_ w: TelephonyWorld, _ user: String, _ device: String) async throws -> Bool? {
        try await w.lines(user)[device]?["messageWaiting"] as? Bool
    }

    @Test(
        "A caller diverted to voicemail lights the callee's lamp, pushed to him alone; his voicemail button calls vmNumber and hearing the messages puts it out",
        arguments: SimulatorStyle.allCases
    )
    func messageLeftThenHeard(style: SimulatorStyle) async throws {
        try await Self.run(style: style) { w in
            #expect(try await Self.lamp(w, "bob", "1002") == false)
            let bobEvents = try await w.subscribe("bob")
            let aliceEvents = try await w.subscribe("alice")
            // Bob sends every call to his voicemail from his phone's forwarding.
            try await w.client.must(
                .put,
                "/api/v1/telephony/devices/1002/forwarding",
                token: w.token("bob"),
                json: #"{"kind":"immediate","enabled":true,"destination":"\#(Self.voicemail)"}"#
            )
            try await eventually("bob forwarded on the PBX") { await w.simulator.forwarding(of: "1002").contains { $0.forwardStatus } }
            // Alice calls bob: the voicemail system answers, she speaks, she hangs up.
            let placed = try await w.client.must(.post, "/api/v1/calls", token: w.token("alice"), json: #"{"number":"1002"}"#, answer: .created).json()
            let callId = try #require(placed.string("callId"))
            try await w.waitPresence("alice", "busy")
            try await w.client.must(.post, "/api/v1/calls/\(callId)/hangup", token: w.token("alice"), answer: .noContent)
            try await eventually("a message for bob") { await w.simulator.messageCount(of: "1002") == 1 }

            let bobSaw = try await collect(bobEvents) { $0.contains { $0.type == .messageWaiting } }
            #expect(bobSaw.compactMap(\.messageWaiting) == [MessageWaitingPayload(device: "1002", waiting: true)])
            try await eventually("bob's lamp on over REST") { try await Self.lamp(w, "bob", "1002") == true }
            // Alice sees bob's line through the intercom group, but not his lamp: not in the view, not pushed.
            let seen = try await w.client.must(.get, "/api/v1/telephony/devices/1002", token: w.token("alice")).json()
            #expect(seen.string("number") == "1002")
            #expect(seen["messageWaiting"] == nil)
            #expect(try await Self.lamp(w, "alice", "1001") == false)

            // Bob's voicemail button: his line calls vmNumber; the voicemail answers; he listens and hangs up.
            try await w.client.must(
                .put,
                "/api/v1/telephony/devices/1002/forwarding",
                token: w.token("bob"),
                json: #"{"kind":"immediate","enabled":false}"#
            )
            let listening = try await w.client.must(.post, "/api/v1/calls/voicemail", token: w.token("bob"), answer: .created).json()
            #expect(listening.string("device") == "1002")
            #expect(listening.object("dialled")?.string("number") == Self.voicemail)
            let listeningId = try #require(listening.string("callId"))
            try await eventually("bob connected to his voicemail") {
                (try? await w.calls("bob"))?.first?["answeredAt"] != nil
            }
            #expect(await w.simulator.messageCount(of: "1002") == 1, "messages are heard once the call ends")
            try await w.client.must(.post, "/api/v1/calls/\(listeningId)/hangup", token: w.token("bob"), answer: .noContent)
            try await eventually("bob's lamp off over REST") { try await Self.lamp(w, "bob", "1002") == false }
            #expect(await w.simulator.messageCount(of: "1002") == 0)

            let allBobSaw = bobSaw + (try await collect(bobEvents) { $0.contains { $0.type == .messageWaiting } })
            #expect(
                allBobSaw.compactMap(\.messageWaiting)
                    == [MessageWaitingPayload(device: "1002", waiting: true), MessageWaitingPayload(device: "1002", waiting: false)]
            )
            // Alice's subscription was live all along (she got bob's calls through the intercom group), never his lamp.
            let aliceSaw = try await collect(aliceEvents) { $0.calls(at: "1002").contains { $0.hasPrefix("cleared") && $0.hasSuffix(Self.voicemail) } }
            #expect(!aliceSaw.contains { $0.type == .messageWaiting })
            #expect(allBobSaw.numbersAreClean)
        }
    }

    @Test("A lamp lit while the link was down is read when monitoring starts again (GetMessageWaitingIndicator)", arguments: SimulatorStyle.allCases)
    func lampReadWhenMonitoringStarts(style: SimulatorStyle) async throws {
        // A slow reconnection leaves a window with no monitor at all: no event can tell of the message.
        try await Self.run(style: style, link: { $0.initialBackoff = .seconds(2); $0.maximumBackoff = .seconds(2) }) { w in
            let before = w.server.links.linkStates().first?.reconnects ?? 0
            await w.simulator.dropAllConnections()
            try await w.simulator.leaveVoicemail(for: "1002")
            #expect(await w.simulator.monitoredDevices().isEmpty, "nobody monitors while the message is left")
            try await eventually("reconnected") { (w.server.links.linkStates().first?.reconnects ?? 0) > before }
            try await eventually("bob's lamp on after monitoring restarted") { try await Self.lamp(w, "bob", "1002") == true }
            #expect(try await Self.lamp(w, "carol", "1003") == false)
            // And put out by an event, as usual.
            await w.simulator.hearVoicemail(of: "1002")
            try await eventually("bob's lamp off") { try await Self.lamp(w, "bob", "1002") == false }
        }
    }

    @Test("A PBX without GetMessageWaitingIndicator: monitoring goes on undisturbed and the lamp comes with the next event", arguments: SimulatorStyle.allCases)
    func pbxWithoutTheQuery(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(
            style: style,
            simulator: {
                $0.switchConfiguration.numbering.voicemail = Self.voicemail
                $0.switchConfiguration.unsupportedRequests = ["GetMessageWaitingIndicator"]
            }
        ) { w in
            // The refusals (one per device) neither close the link nor refuse the devices.
            let state = try #require(w.server.links.linkStates().first)
            #expect(state.connected && state.reconnects == 0 && state.current == TelephonyWorld.people.count)
            #expect(try await Self.lamp(w, "bob", "1002") == false)
            try await w.simulator.leaveVoicemail(for: "1002")
            try await eventually("bob's lamp on from the event") { try await Self.lamp(w, "bob", "1002") == true }
            _ = try await TelephonyScenarioTests.connect(w, from: "alice", to: "bob")
            #expect(w.server.links.linkStates().first?.reconnects == 0)
        }
    }

    @Test("The voicemail button without a vmNumber is 422 no_voicemail_number; a user's own vmNumber wins over the domain's; SOAP CallVoicemail and line")
    func voicemailNumberResolutionAndSOAP() async throws {
        try await Self.run(style: .plain) { w in
            // Carol's own vmNumber is empty text: nothing to call.
            let carol = w.userId("carol")
            let cleared = try await w.client.setParameter(scope: "user", scopeId: carol, application: "Caller", name: "vmNumber", value: " ", token: w.adminToken)
            #expect(cleared.status.code < 300, "\(cleared.status)")
            expectProblem(try await w.client.post("/api/v1/calls/voicemail", token: w.token("carol"), json: "{}"), .unprocessableContent, "no_voicemail_number")
            #expect(await w.simulator.calls().isEmpty)
            // Dave's own voicemail is another box, reached through the dialing plan like any number.
            let dave = w.userId("dave")
            _ = try await w.client.setParameter(scope: "user", scopeId: dave, application: "Caller", name: "vmNumber", value: "1003", token: w.adminToken)
            let placed = try await w.client.must(.post, "/api/v1/calls/voicemail", token: w.token("dave"), answer: .created).json()
            #expect(placed.object("dialled")?.string("number") == "1003")
            try await w.waitCall("carol", state: "alerting")
            try await w.simulator.hangUp(device: "1004")
            try await w.waitPresence("carol", "idle")
            // Not a device of hers: 404, as for any click-to-call.
            expectProblem(try await w.client.post("/api/v1/calls/voicemail", token: w.token("bob"), json: #"{"device":"1001"}"#), .notFound, "not_found")

            // SOAP: CallVoicemail from bob's line, and his lamp in GetDeviceLines once a message is left.
            let call = try await w.client.soap(
                #"<tws:CallVoicemail xmlns:tws="urn:opentws:soap:v1"/>"#,
                token: w.token("bob")
            )
            #expect(call.status == .ok, "\(String(buffer: call.body))")
            #expect(String(buffer: call.body).contains("<tws:number>\(Self.voicemail)</tws:number>"))
            try await eventually("bob at his voicemail") { (try? await w.calls("bob"))?.first?["answeredAt"] != nil }
            try await w.simulator.hangUp(device: "1002")
            try await w.waitPresence("bob", "idle")
            try await w.simulator.leaveVoicemail(for: "1002")
            try await eventually("bob's lamp on") { try await Self.lamp(w, "bob", "1002") == true }
            let lines = try await w.client.soap(#"<tws:GetDeviceLines xmlns:tws="urn:opentws:soap:v1"/>"#, token: w.token("bob"))
            #expect(String(buffer: lines.body).contains("<tws:messageWaiting>true</tws:messageWaiting>"), "\(String(buffer: lines.body))")
        }
    }
}

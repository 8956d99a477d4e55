import Domain
import Foundation
import Telephony
import Testing

/// Each switch scenario end to end, in each manner the simulator speaks (its own plain ECMA-323, and the manners of real
/// switches: wrapped device identifiers, prefixed XML with private data, one ConnectionCleared for the party that
/// leaves, vendor events): REST call control → CSTA over TCP → simulator → events → call model → REST views, pushed
/// events and both users' call logs.
@Suite("Telephony scenarios", .serialized)
struct TelephonyScenarioTests {
    static let external = "0612345678"

    @Test("Internal call, caller hangs up first: directions, clean numbers, states, presence and both logs", arguments: SimulatorStyle.allCases)
    func internalCallCallerHangsUp(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            let aliceEvents = try await w.subscribe("alice")
            let bobEvents = try await w.subscribe("bob")
            let placed = try await w.client.must(.post, "/api/v1/calls", token: w.token("alice"), json: #"{"number":"1002"}"#, answer: .created)
                .json()
            let callId = try #require(placed.string("callId"))
            #expect(placed.string("device") == "1001")
            #expect(placed.object("dialled")?.string("number") == "1002")
            let ringing = try await w.waitCall("bob", state: "alerting")
            try await w.waitPresence("bob", "ringing")
            // While bob rings, alice hears ringback: her call is outgoing to 1002 and not answered.
            let ringback = try #require(try await w.calls("alice").first)
            #expect(ringback.string("direction") == "outgoing" && ringback.string("peerNumber") == "1002" && ringback["answeredAt"] == nil)
            let bobRinging = try #require(try await w.calls("bob").first)
            #expect(bobRinging.string("direction") == "incoming" && bobRinging.string("peerNumber") == "1001")
            try await w.client.must(.post, "/api/v1/calls/\(ringing)/answer", token: w.token("bob"), answer: .noContent)
            try await eventually("alice answered") { (try? await w.calls("alice"))?.first?["answeredAt"] != nil }
            try await w.waitPresence("bob", "busy")
            try await w.waitPresence("alice", "busy")
            try await w.client.must(.post, "/api/v1/calls/\(callId)/hangup", token: w.token("alice"), answer: .noContent)
            try await w.waitPresence("alice", "idle")
            try await w.waitPresence("bob", "idle")
            #expect(try await w.calls("bob").isEmpty)
            #expect(try await w.calls("alice").isEmpty)

            let bobSaw = try await w.expectAnsweredCallPushed(alice: aliceEvents, bob: bobEvents).bob
            #expect(bobSaw.presenceSteps == ["1002:ringing", "1002:busy", "1002:idle"])
            #expect(zip(bobSaw, bobSaw.dropFirst()).allSatisfy { $0.seq < $1.seq })

            w.expectLog(try await w.waitLog("alice"), "outgoing", peer: "1002", answered: true)
            w.expectLog(try await w.waitLog("bob"), "incoming", peer: "1001", answered: true)
        }
    }

    @Test("Internal call, callee hangs up first: both calls end, both logged as answered", arguments: SimulatorStyle.allCases)
    func internalCallCalleeHangsUp(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            _ = try await Self.connect(w, from: "alice", to: "bob")
            let bobCall = try #require(try await w.calls("bob").first?.string("callId"))
            try await w.client.must(.post, "/api/v1/calls/\(bobCall)/hangup", token: w.token("bob"), answer: .noContent)
            try await w.waitPresence("bob", "idle")
            try await w.waitPresence("alice", "idle")
            w.expectLog(try await w.waitLog("alice"), "outgoing", peer: "1002", answered: true)
            w.expectLog(try await w.waitLog("bob"), "incoming", peer: "1001", answered: true)
        }
    }

    @Test("External incoming call answered, then the outside party hangs up", arguments: SimulatorStyle.allCases)
    func externalIncomingAnswered(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            let bobEvents = try await w.subscribe("bob")
            _ = try await w.simulator.placeCall(from: Self.external, to: "1002")
            let ringing = try await w.waitCall("bob", state: "alerting")
            #expect(try await w.calls("bob").first?.string("peerNumber") == Self.external)
            try await w.client.must(.post, "/api/v1/calls/\(ringing)/answer", token: w.token("bob"), answer: .noContent)
            try await w.waitPresence("bob", "busy")
            try await w.simulator.hangUp(device: Self.external)
            try await w.waitPresence("bob", "idle")
            let saw = try await collect(bobEvents) { $0.contains { $0.type == .callLog } }
            #expect(saw.calls(at: "1002").first == "delivered alerting incoming \(Self.external)")
            #expect(saw.calls(at: "1002").last == "cleared cleared incoming \(Self.external)")
            #expect(saw.numbersAreClean)
            w.expectLog(try await w.waitLog("bob"), "incoming", peer: Self.external, answered: true)
        }
    }

    @Test("External incoming call abandoned while ringing is a missed call", arguments: SimulatorStyle.allCases)
    func externalIncomingMissed(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            _ = try await w.simulator.placeCall(from: Self.external, to: "1002")
            try await w.waitPresence("bob", "ringing")
            try await w.simulator.hangUp(device: Self.external)
            try await w.waitPresence("bob", "idle")
            w.expectLog(try await w.waitLog("bob"), "missed", peer: Self.external, answered: false)
        }
    }

    @Test("An outside caller found in bob's directories is named in his call events and his missed-call log", arguments: SimulatorStyle.allCases)
    func incomingCallerNamedByReverseLookup(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(
            style: style,
            setUp: { client, admin, domainId, userIds in
                let directories = try await client.must(.get, "/api/v1/admin/domains/\(domainId)/directories", token: admin).items()
                let directoryId = try #require(directories.first { $0.string("source") == "TwsPublic" }?.int64("id"))
                // Stored in international form; the PBX presents the national one.
                _ = try await client.create(
                    "/api/v1/admin/directories/\(directoryId)/contacts",
                    token: admin,
                    json: #"{"lastName":"Martin","firstName":"Claire","company":"Acme","phones":[{"kind":"mobile","number":"+33 6 12 34 56 78"}]}"#
                )
                try await client.grant("directory", directoryId, to: "user", userIds["bob"]!, token: admin)
            }
        ) { w in
            let bobEvents = try await w.subscribe("bob")
            _ = try await w.simulator.placeCall(from: Self.external, to: "1002")
            try await w.waitPresence("bob", "ringing")
            try await w.simulator.hangUp(device: Self.external)
            let events = try await collect(bobEvents) { $0.contains { $0.type == .callLog } }
            let delivered = try #require(events.compactMap(\.call).first { $0.event == "delivered" })
            #expect(delivered.peerNumber == Self.external && delivered.peerName == "Claire Martin")
            #expect(events.compactMap(\.callLog).first?.peerName == "Claire Martin")
            let log = try #require(try await w.callLog("bob").first)
            #expect(log.string("kind") == "missed" && log.string("peerName") == "Claire Martin")
            // Alice has no right to that directory: for her the number names nobody.
            expectProblem(
                try await w.client.get("/api/v1/directory/lookup?number=\(Self.external)", token: w.token("alice")),
                .notFound,
                "no_contact"
            )
        }
    }

    @Test("Calling a busy line fails with cause busy; the failed call leaves the caller's line and is logged", arguments: SimulatorStyle.allCases)
    func busyLine(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            await w.simulator.setBusy("1002", true)
            let aliceEvents = try await w.subscribe("alice")
            try await w.client.must(.post, "/api/v1/calls", token: w.token("alice"), json: #"{"number":"1002"}"#, answer: .created)
            let events = try await collect(aliceEvents) { $0.contains { $0.call?.event == "failed" } }
            #expect(events.last?.call?.cause == "busy" && events.last?.call?.state == .failed)
            // The PBX never clears the failed connection itself: the gateway takes it off the line within seconds.
            try await w.waitPresence("alice", "idle")
            #expect(try await w.calls("alice").isEmpty)
            w.expectLog(try await w.waitLog("alice"), "outgoing", peer: "1002", answered: false, cause: "busy")
            #expect(try await w.presence("bob") == "idle")
            #expect(try await w.callLog("bob").isEmpty)
        }
    }

    @Test("Hold and retrieve: the holder shows held, the other side stays busy; both logged after", arguments: SimulatorStyle.allCases)
    func holdRetrieve(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            let callId = try await Self.connect(w, from: "alice", to: "bob")
            try await w.client.must(.post, "/api/v1/calls/\(callId)/hold", token: w.token("alice"), answer: .noContent)
            try await w.waitPresence("alice", "held")
            #expect(try await w.presence("bob") == "busy")
            try await w.client.must(.post, "/api/v1/calls/\(callId)/retrieve", token: w.token("alice"), answer: .noContent)
            try await w.waitPresence("alice", "busy")
            #expect(try await w.calls("alice").first?["state"] as? String == "connected")
            try await w.client.must(.post, "/api/v1/calls/\(callId)/hangup", token: w.token("alice"), answer: .noContent)
            try await w.waitPresence("bob", "idle")
            w.expectLog(try await w.waitLog("alice"), "outgoing", peer: "1002", answered: true)
            w.expectLog(try await w.waitLog("bob"), "incoming", peer: "1001", answered: true)
        }
    }

    @Test("Blind transfer: an outside call answered by alice goes to bob; alice is free with her log line, bob talks to the caller", arguments: SimulatorStyle.allCases)
    func blindTransfer(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            _ = try await w.simulator.placeCall(from: Self.external, to: "1001")
            let callId = try await w.waitCall("alice", state: "alerting")
            try await w.client.must(.post, "/api/v1/calls/\(callId)/answer", token: w.token("alice"), answer: .noContent)
            try await w.waitCall("alice", state: "connected")
            let answer = try await w.client.must(.post, "/api/v1/calls/\(callId)/transfer", token: w.token("alice"), json: #"{"to":"1002"}"#).json()
            #expect(answer.string("number") == "1002")
            try await w.waitPresence("alice", "idle")
            w.expectLog(try await w.waitLog("alice"), "incoming", peer: Self.external, answered: true)
            let ringing = try await w.waitCall("bob", state: "alerting")
            try await w.client.must(.post, "/api/v1/calls/\(ringing)/answer", token: w.token("bob"), answer: .noContent)
            try await w.waitCall("bob", state: "connected")
            #expect(try await w.calls("bob").first?["peerNumber"] as? String == Self.external)
            try await w.simulator.hangUp(device: Self.external)
            try await w.waitPresence("bob", "idle")
            w.expectLog(try await w.waitLog("bob"), "incoming", peer: Self.external, answered: true)
        }
    }

    @Test("Consultation then transfer: the outside caller ends up with carol; cancel takes the held call back", arguments: SimulatorStyle.allCases)
    func consultationTransfer(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            _ = try await w.simulator.placeCall(from: Self.external, to: "1001")
            let callId = try await w.waitCall("alice", state: "alerting")
            try await w.client.must(.post, "/api/v1/calls/\(callId)/answer", token: w.token("alice"), answer: .noContent)
            try await w.waitCall("alice", state: "connected")

            // First a consultation that alice cancels.
            var consult = try await w.client.must(
                .post,
                "/api/v1/calls/\(callId)/consult",
                token: w.token("alice"),
                json: #"{"to":"1002"}"#,
                answer: .created
            ).json()
            var consultId = try #require(consult.string("callId"))
            try await w.waitCall("bob", state: "alerting")
            try await w.waitPresence("alice", "busy")
            try await w.client.must(.post, "/api/v1/calls/\(callId)/consult/\(consultId)/cancel", token: w.token("alice"), answer: .noContent)
            try await w.waitPresence("bob", "idle")
            try await eventually("alice back with the caller") { (try? await w.calls("alice"))?.map { $0["state"] as? String } == ["connected"] }
            // bob was offered the consultation and never answered it.
            w.expectLog(try await w.waitLog("bob"), "missed", peer: "1001", answered: false)

            // Then one she completes.
            consult = try await w.client.must(
                .post,
                "/api/v1/calls/\(callId)/consult",
                token: w.token("alice"),
                json: #"{"to":"1003"}"#,
                answer: .created
            ).json()
            consultId = try #require(consult.string("callId"))
            let ringing = try await w.waitCall("carol", state: "alerting")
            try await w.client.must(.post, "/api/v1/calls/\(ringing)/answer", token: w.token("carol"), answer: .noContent)
            try await w.waitCall("carol", state: "connected")
            try await w.client.must(.post, "/api/v1/calls/\(callId)/consult/\(consultId)/complete", token: w.token("alice"), answer: .noContent)
            try await w.waitPresence("alice", "idle")
            try await eventually("carol talks to the caller") { (try? await w.calls("carol"))?.first?["peerNumber"] as? String == Self.external }
            let truth = await w.simulator.calls()
            #expect(truth.count == 1)
            #expect(Set(truth.first?.connections.map(\.connection.deviceID) ?? []).count == 2)
            #expect(truth.first?.connections.contains { $0.connection.deviceID == "1003" } == true)
            // alice's log: the outside call she answered, and her consultations (the cancelled one with bob, and carol's).
            let aliceLog = try await w.callLog("alice")
            #expect(aliceLog.contains { $0.string("kind") == "incoming" && $0.string("peerNumber") == Self.external })
            #expect(aliceLog.contains { $0.string("kind") == "outgoing" && $0.string("peerNumber") == "1003" })
            try await w.simulator.hangUp(device: "1003")
            try await w.waitPresence("carol", "idle")
            w.expectLog(try await w.waitLog("carol"), "incoming", peer: Self.external, answered: true)
        }
    }

    @Test("Immediate forwarding set over REST is applied in the PBX, shows in presence, and sends calls on", arguments: SimulatorStyle.allCases)
    func forwardImmediate(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            let applied = try await w.client.must(
                .put,
                "/api/v1/telephony/devices/1002/forwarding",
                token: w.token("bob"),
                json: #"{"kind":"immediate","enabled":true,"destination":"1003"}"#
            ).json()
            #expect(applied.string("destination") == "1003")
            try await w.waitPresence("bob", "forwarded")
            let fromPBX = try await w.client.must(.get, "/api/v1/telephony/devices/1002/forwarding", token: w.token("bob"))
            let settings = try #require(try JSONSerialization.jsonObject(with: Data(buffer: fromPBX.body)) as? [[String: Any]])
            let immediate = settings.first { $0["kind"] as? String == "immediate" }
            #expect(immediate?["enabled"] as? Bool == true)
            #expect(immediate?["destination"] as? String == "1003")
            try await w.client.must(.post, "/api/v1/calls", token: w.token("alice"), json: #"{"number":"1002"}"#, answer: .created)
            let ringing = try await w.waitCall("carol", state: "alerting")
            #expect(try await w.calls("carol").first?.string("peerNumber") == "1001")
            #expect(try await w.calls("bob").isEmpty)
            // alice sees the call going to carol.
            try await eventually("alice calls carol") { (try? await w.calls("alice"))?.first?.string("peerNumber") == "1003" }
            try await w.client.must(.post, "/api/v1/calls/\(ringing)/answer", token: w.token("carol"), answer: .noContent)
            try await w.simulator.hangUp(device: "1003")
            w.expectLog(try await w.waitLog("carol"), "incoming", peer: "1001", answered: true)
            w.expectLog(try await w.waitLog("alice"), "outgoing", peer: "1003", answered: true)
            #expect(try await w.callLog("bob").isEmpty)
            // Forwarding is refused when the user's parameters forbid that kind.
            let forbidden = try await w.client.setParameter(
                scope: "user",
                scopeId: w.userId("bob"),
                application: "Caller",
                name: "AuthorizedForwardTypeBusy",
                value: "false",
                token: w.adminToken
            )
            #expect(forbidden.status == .ok || forbidden.status == .created || forbidden.status == .noContent)
            let refused = try await w.client.put(
                "/api/v1/telephony/devices/1002/forwarding",
                token: w.token("bob"),
                json: #"{"kind":"busy","enabled":true,"destination":"1003"}"#
            )
            expectProblem(refused, .forbidden, "forwarding_not_allowed")
        }
    }

    @Test("Deflect sends a ringing call elsewhere; no-answer forwarding leaves bob a missed call", arguments: SimulatorStyle.allCases)
    func deflectAndConditionalForwarding(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style, simulator: { $0.switchConfiguration.noAnswerTimeout = .milliseconds(300) }) { w in
            _ = try await w.simulator.placeCall(from: Self.external, to: "1002")
            let ringing = try await w.waitCall("bob", state: "alerting")
            try await w.client.must(.post, "/api/v1/calls/\(ringing)/deflect", token: w.token("bob"), json: #"{"to":"1003"}"#)
            try await w.waitCall("carol", state: "alerting")
            #expect(try await w.calls("carol").first?.string("peerNumber") == Self.external)
            try await w.waitPresence("bob", "idle")
            try await w.simulator.hangUp(device: Self.external)
            try await w.waitPresence("carol", "idle")
            w.expectLog(try await w.waitLog("carol"), "missed", peer: Self.external, answered: false)

            try await w.client.must(
                .put,
                "/api/v1/telephony/devices/1002/forwarding",
                token: w.token("bob"),
                json: #"{"kind":"no_answer","enabled":true,"destination":"1004"}"#
            )
            _ = try await w.simulator.placeCall(from: Self.external, to: "1002")
            try await w.waitCall("bob", state: "alerting")
            try await w.waitCall("dave", state: "alerting")
            try await eventually("bob's missed call") { (try? await w.callLog("bob"))?.first?.string("kind") == "missed" }
            w.expectLog(try await w.waitLog("bob"), "missed", peer: Self.external, answered: false)
        }
    }

    @Test("Pickup needs AuthorizeInterception and an intercom group with the device", arguments: SimulatorStyle.allCases)
    func pickup(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(
            style: style,
            setUp: { client, admin, domainId, users in
                let groupId = try await client.create(
                    "/api/v1/admin/domains/\(domainId)/intercom-groups",
                    token: admin,
                    json: #"{"name":"Desk","devices":[{"number":"1002"}]}"#
                )
                for user in ["carol", "dave"] {
                    try await client.grant("intercomGroup", groupId, to: "user", users[user]!, token: admin)
                }
                _ = try await client.setParameter(
                    scope: "user",
                    scopeId: users["carol"]!,
                    application: "Caller",
                    name: "AuthorizeInterception",
                    value: "true",
                    token: admin
                )
            }
        ) { w in
            let carolEvents = try await w.subscribe("carol")
            try await w.client.must(.post, "/api/v1/calls", token: w.token("alice"), json: #"{"number":"1002"}"#, answer: .created)
            try await w.waitCall("bob", state: "alerting")
            // alice is not in the intercom group: the device does not exist for her.
            expectProblem(
                try await w.client.post("/api/v1/calls/pickup", token: w.token("alice"), json: #"{"ringingDevice":"1002"}"#),
                .notFound,
                "not_found"
            )
            // dave sees it but may not intercept.
            expectProblem(
                try await w.client.post("/api/v1/calls/pickup", token: w.token("dave"), json: #"{"ringingDevice":"1002"}"#),
                .forbidden,
                "interception_not_allowed"
            )
            let picked = try await w.client.must(.post, "/api/v1/calls/pickup", token: w.token("carol"), json: #"{"ringingDevice":"1002"}"#).json()
            #expect(picked.string("device") == "1003")
            // Picked up means answered at carol's phone, with no second step.
            #expect(try await w.waitCall("carol", state: "connected") == picked.string("callId"))
            try await w.waitCall("alice", state: "connected")
            try await w.waitPresence("bob", "idle")
            #expect(try await w.calls("carol").first?.string("peerNumber") == "1001")
            try await eventually("alice talks to carol") { (try? await w.calls("alice"))?.first?.string("peerNumber") == "1003" }
            // carol saw bob's ringing through the intercom group before taking the call.
            let events = try await collect(carolEvents) { $0.contains { $0.call?.event == "established" && $0.call?.device == "1003" } }
            #expect(events.presenceSteps.starts(with: ["1002:ringing"]))
            #expect(events.numbersAreClean)
            try await w.simulator.hangUp(device: "1001")
            w.expectLog(try await w.waitLog("carol"), "incoming", peer: "1001", answered: true)
            w.expectLog(try await w.waitLog("alice"), "outgoing", peer: "1003", answered: true)
        }
    }

    @Test("Do-not-disturb from REST reaches the PBX; calls to the device fail with its cause", arguments: SimulatorStyle.allCases)
    func doNotDisturb(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            try await w.client.must(.put, "/api/v1/telephony/devices/1002/dnd", token: w.token("bob"), json: #"{"enabled":true}"#, answer: .noContent)
            try await w.waitPresence("bob", "dnd")
            #expect(await w.simulator.isDoNotDisturb("1002"))
            let aliceEvents = try await w.subscribe("alice")
            try await w.client.must(.post, "/api/v1/calls", token: w.token("alice"), json: #"{"number":"1002"}"#, answer: .created)
            let events = try await collect(aliceEvents) { $0.contains { $0.call?.event == "failed" } }
            #expect(events.last?.call?.cause == "doNotDisturb")
            w.expectLog(try await w.waitLog("alice"), "outgoing", peer: "1002", answered: false, cause: "doNotDisturb")
            // Not the user's device: 404, as for a device that does not exist.
            expectProblem(
                try await w.client.put("/api/v1/telephony/devices/1002/dnd", token: w.token("alice"), json: #"{"enabled":false}"#),
                .notFound,
                "not_found"
            )
        }
    }

    @Test("A queue rings its agents; the first to answer takes the call, the other stops ringing and has no missed call", arguments: SimulatorStyle.allCases)
    func queue(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(
            style: style,
            setUp: { client, admin, domainId, _ in
                _ = try await client.create(
                    "/api/v1/admin/domains/\(domainId)/phone-queues",
                    token: admin,
                    json: #"{"name":"Hotline","device":{"number":"7777"}}"#
                )
            }
        ) { w in
            try await eventually("queue monitored") { await w.simulator.monitoredDevices().contains("7777") }
            _ = try await w.simulator.placeCall(from: Self.external, to: "7777")
            let bobCall = try await w.waitCall("bob", state: "alerting")
            try await w.waitCall("carol", state: "alerting")
            #expect(try await w.calls("carol").first?.string("peerNumber") == Self.external)
            try await w.client.must(.post, "/api/v1/calls/\(bobCall)/answer", token: w.token("bob"), answer: .noContent)
            try await w.waitCall("bob", state: "connected")
            try await w.waitPresence("carol", "idle")
            try await w.simulator.hangUp(device: Self.external)
            try await w.waitPresence("bob", "idle")
            w.expectLog(try await w.waitLog("bob"), "incoming", peer: Self.external, answered: true)
            #expect(try await w.callLog("carol").isEmpty)
        }
    }

    @Test("A MakeCall the PBX refuses is answered 409 and still shows in the caller's history with its cause", arguments: SimulatorStyle.allCases)
    func refusedMakeCall(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            let aliceEvents = try await w.subscribe("alice")
            // Calling oneself: the switch refuses the request (invalidCalledDevice).
            let refused = try await w.client.post("/api/v1/calls", token: w.token("alice"), json: #"{"number":"1001"}"#)
            expectProblem(refused, .conflict, "pbx_refused")
            let events = try await collect(aliceEvents) { $0.contains { $0.type == .callLog } }
            #expect(events.compactMap(\.call).map { "\($0.event) \($0.state) \($0.cause ?? "")" } == ["failed failed invalidCalledDevice"])
            w.expectLog(try await w.waitLog("alice"), "outgoing", peer: "1001", answered: false, cause: "invalidCalledDevice")
            #expect(try await w.presence("alice") == "idle")
        }
    }

    /// `from` calls `to` and the callee answers over REST; returns the caller's call id.
    static func connect(_ w: TelephonyWorld, from: String, to: String) async throws -> String {
        let number = TelephonyWorld.people[to]!
        let placed = try await w.client.must(.post, "/api/v1/calls", token: w.token(from), json: #"{"number":"\#(number)"}"#, answer: .created).json()
        let ringing = try await w.waitCall(to, state: "alerting")
        try await w.client.must(.post, "/api/v1/calls/\(ringing)/answer", token: w.token(to), answer: .noContent)
        try await w.waitCall(from, state: "connected")
        try await w.waitPresence(to, "busy")
        return try #require(placed.string("callId"))
    }
}

import Domain
import Foundation
import Testing

/// Each switch scenario end to end: REST call control → CSTA over TCP → simulator → events → call model →
/// REST views, pushed events and call logs.
@Suite("Telephony scenarios", .serialized)
struct TelephonyScenarioTests {
    static let external = "0612345678"

    @Test("Click-to-call answered: both lines ring/busy/idle, the callee gets its events in order, both get a log")
    func clickToCallAnswered() async throws {
        try await TelephonyWorld.run { w in
            let bobEvents = try await w.subscribe("bob")
            let placed = try await w.client.must(.post, "/api/v1/calls", token: w.token("alice"), json: #"{"number":"1002"}"#, answer: .created)
                .json()
            let callId = try #require(placed.string("callId"))
            #expect(placed.string("device") == "1001")
            #expect(placed.object("dialled")?.string("number") == "1002")
            let ringing = try await w.waitCall("bob", state: "alerting")
            try await w.waitPresence("bob", "ringing")
            try await w.client.must(.post, "/api/v1/calls/\(ringing)/answer", token: w.token("bob"), answer: .noContent)
            try await w.waitCall("alice", state: "connected")
            try await w.waitPresence("bob", "busy")
            try await w.client.must(.post, "/api/v1/calls/\(callId)/hangup", token: w.token("alice"), answer: .noContent)
            try await w.waitPresence("alice", "idle")
            try await w.waitPresence("bob", "idle")

            let events = try await collect(bobEvents) { $0.contains { $0.type == .callLog } }
            // alice leaving ends bob's conversation: his own ConnectionCleared, which follows, changes nothing more.
            #expect(events.callSteps == ["delivered@1002", "established@1002", "cleared@1002"])
            #expect(events.compactMap(\.call?.state).suffix(1) == [.cleared])
            #expect(events.presenceSteps == ["1002:ringing", "1002:busy", "1002:idle"])
            #expect(zip(events, events.dropFirst()).allSatisfy { $0.seq < $1.seq })

            let aliceLog = try await w.callLog("alice")
            #expect(aliceLog.first?.string("kind") == "outgoing")
            #expect(aliceLog.first?.string("peerNumber") == "1002")
            let bobLog = try await w.callLog("bob")
            #expect(bobLog.first?.string("kind") == "incoming")
            #expect(bobLog.first?.string("peerNumber") == "1001")
            #expect(bobLog.first?.string("answeredAt") != nil)
        }
    }

    @Test("An outside caller who hangs up while ringing leaves a missed call")
    func missedCall() async throws {
        try await TelephonyWorld.run { w in
            _ = try await w.simulator.placeCall(from: Self.external, to: "1002")
            try await w.waitPresence("bob", "ringing")
            try await w.simulator.hangUp(device: Self.external)
            try await w.waitPresence("bob", "idle")
            try await eventually("bob's missed call") { (try? await w.callLog("bob"))?.first?.string("kind") == "missed" }
            #expect(try await w.callLog("bob").first?.string("peerNumber") == Self.external)
        }
    }

    @Test("An outside caller found in bob's directories is named in his call events and his missed-call log")
    func incomingCallerNamedByReverseLookup() async throws {
        try await TelephonyWorld.run(setUp: { client, admin, domainId, userIds in
            let directories = try await client.must(.get, "/api/v1/admin/domains/\(domainId)/directories", token: admin).items()
            let directoryId = try #require(directories.first { $0.string("source") == "TwsPublic" }?.int64("id"))
            // Stored in international form; the PBX presents the national one.
            _ = try await client.create(
                "/api/v1/admin/directories/\(directoryId)/contacts",
                token: admin,
                json: #"{"lastName":"Martin","firstName":"Claire","company":"Acme","phones":[{"kind":"mobile","number":"+33 6 12 34 56 78"}]}"#
            )
            try await client.must(
                .post,
                "/api/v1/admin/authorizations",
                token: admin,
                json: #"{"objectType":"directory","objectId":\#(directoryId),"granteeType":"user","granteeId":\#(userIds["bob"]!)}"#,
                answer: .created
            )
        }) { w in
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

    @Test("Calling a busy line fails at the caller with cause busy")
    func busyLine() async throws {
        try await TelephonyWorld.run { w in
            await w.simulator.setBusy("1002", true)
            let aliceEvents = try await w.subscribe("alice")
            try await w.client.must(.post, "/api/v1/calls", token: w.token("alice"), json: #"{"number":"1002"}"#, answer: .created)
            let events = try await collect(aliceEvents) { $0.contains { $0.call?.event == "failed" } }
            #expect(events.last?.call?.cause == "busy")
            #expect(try await w.presence("bob") == "idle")
        }
    }

    @Test("Hold and retrieve: the holder shows held, the other side stays busy")
    func holdRetrieve() async throws {
        try await TelephonyWorld.run { w in
            let callId = try await Self.connect(w, from: "alice", to: "bob")
            try await w.client.must(.post, "/api/v1/calls/\(callId)/hold", token: w.token("alice"), answer: .noContent)
            try await w.waitPresence("alice", "held")
            #expect(try await w.presence("bob") == "busy")
            try await w.client.must(.post, "/api/v1/calls/\(callId)/retrieve", token: w.token("alice"), answer: .noContent)
            try await w.waitPresence("alice", "busy")
            #expect(try await w.calls("alice").first?["state"] as? String == "connected")
        }
    }

    @Test("Blind transfer: an outside call answered by alice goes to bob, alice is free and has her log line")
    func blindTransfer() async throws {
        try await TelephonyWorld.run { w in
            _ = try await w.simulator.placeCall(from: Self.external, to: "1001")
            let callId = try await w.waitCall("alice", state: "alerting")
            try await w.client.must(.post, "/api/v1/calls/\(callId)/answer", token: w.token("alice"), answer: .noContent)
            try await w.waitCall("alice", state: "connected")
            let answer = try await w.client.must(.post, "/api/v1/calls/\(callId)/transfer", token: w.token("alice"), json: #"{"to":"1002"}"#).json()
            #expect(answer.string("number") == "1002")
            try await w.waitPresence("alice", "idle")
            let ringing = try await w.waitCall("bob", state: "alerting")
            try await w.client.must(.post, "/api/v1/calls/\(ringing)/answer", token: w.token("bob"), answer: .noContent)
            try await w.waitCall("bob", state: "connected")
            #expect(try await w.calls("bob").first?["peerNumber"] as? String == Self.external)
            try await eventually("alice's log") { (try? await w.callLog("alice"))?.first?.string("kind") == "incoming" }
        }
    }

    @Test("Consultation then transfer: the outside caller ends up with carol; cancel takes the held call back")
    func consultationTransfer() async throws {
        try await TelephonyWorld.run { w in
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
            #expect(Set(truth.first?.connections.map(\.connection.deviceID) ?? []) == [Self.external, "1003"])
        }
    }

    @Test("Immediate forwarding set over REST is applied in the PBX, shows in presence, and sends calls on")
    func forwardImmediate() async throws {
        try await TelephonyWorld.run { w in
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
            try await w.waitCall("carol", state: "alerting")
            #expect(try await w.calls("bob").isEmpty)
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

    @Test("Deflect sends a ringing call elsewhere; busy and no-answer forwarding follow the PBX")
    func deflectAndConditionalForwarding() async throws {
        try await TelephonyWorld.run(simulator: { $0.switchConfiguration.noAnswerTimeout = .milliseconds(300) }) { w in
            _ = try await w.simulator.placeCall(from: Self.external, to: "1002")
            let ringing = try await w.waitCall("bob", state: "alerting")
            try await w.client.must(.post, "/api/v1/calls/\(ringing)/deflect", token: w.token("bob"), json: #"{"to":"1003"}"#)
            try await w.waitCall("carol", state: "alerting")
            try await w.waitPresence("bob", "idle")
            try await w.simulator.hangUp(device: Self.external)
            try await w.waitPresence("carol", "idle")

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
        }
    }

    @Test("Pickup needs AuthorizeInterception and an intercom group with the device")
    func pickup() async throws {
        try await TelephonyWorld.run(setUp: { client, admin, domainId, users in
            let groupId = try await client.create(
                "/api/v1/admin/domains/\(domainId)/intercom-groups",
                token: admin,
                json: #"{"name":"Desk","devices":[{"number":"1002"}]}"#
            )
            for user in ["carol", "dave"] {
                _ = try await client.create(
                    "/api/v1/admin/authorizations",
                    token: admin,
                    json: jsonObject(["objectType": "intercomGroup", "objectId": groupId, "granteeType": "user", "granteeId": users[user]!])
                )
            }
            _ = try await client.setParameter(
                scope: "user",
                scopeId: users["carol"]!,
                application: "Caller",
                name: "AuthorizeInterception",
                value: "true",
                token: admin
            )
        }) { w in
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
            // carol saw bob's ringing through the intercom group before taking the call.
            let events = try await collect(carolEvents) { $0.contains { $0.call?.event == "established" && $0.call?.device == "1003" } }
            #expect(events.presenceSteps.starts(with: ["1002:ringing"]))
        }
    }

    @Test("Do-not-disturb from REST reaches the PBX; calls to the device fail")
    func doNotDisturb() async throws {
        try await TelephonyWorld.run { w in
            try await w.client.must(.put, "/api/v1/telephony/devices/1002/dnd", token: w.token("bob"), json: #"{"enabled":true}"#, answer: .noContent)
            try await w.waitPresence("bob", "dnd")
            #expect(await w.simulator.isDoNotDisturb("1002"))
            let aliceEvents = try await w.subscribe("alice")
            try await w.client.must(.post, "/api/v1/calls", token: w.token("alice"), json: #"{"number":"1002"}"#, answer: .created)
            let events = try await collect(aliceEvents) { $0.contains { $0.call?.event == "failed" } }
            #expect(events.contains { $0.call?.event == "failed" })
            // Not the user's device: 404, as for a device that does not exist.
            expectProblem(
                try await w.client.put("/api/v1/telephony/devices/1002/dnd", token: w.token("alice"), json: #"{"enabled":false}"#),
                .notFound,
                "not_found"
            )
        }
    }

    @Test("A queue device rings its agents; the first to answer takes the call, the others stop ringing")
    func queue() async throws {
        try await TelephonyWorld.run(setUp: { client, admin, domainId, _ in
            _ = try await client.create(
                "/api/v1/admin/domains/\(domainId)/phone-queues",
                token: admin,
                json: #"{"name":"Hotline","device":{"number":"7777"}}"#
            )
        }) { w in
            try await eventually("queue monitored") { await w.simulator.monitoredDevices().contains("7777") }
            _ = try await w.simulator.placeCall(from: Self.external, to: "7777")
            let bobCall = try await w.waitCall("bob", state: "alerting")
            try await w.waitCall("carol", state: "alerting")
            try await w.client.must(.post, "/api/v1/calls/\(bobCall)/answer", token: w.token("bob"), answer: .noContent)
            try await w.waitCall("bob", state: "connected")
            try await w.waitPresence("carol", "idle")
        }
    }

    /// alice calls `to` and the callee answers over REST; returns alice's call id.
    static func connect(_ w: TelephonyWorld, from: String, to: String) async throws -> String {
        let number = TelephonyWorld.people[to]!
        let placed = try await w.client.must(.post, "/api/v1/calls", token: w.token(from), json: #"{"number":"\#(number)"}"#, answer: .created).json()
        let ringing = try await w.waitCall(to, state: "alerting")
        try await w.client.must(.post, "/api/v1/calls/\(ringing)/answer", token: w.token(to), answer: .noContent)
        try await w.waitCall(from, state: "connected")
        return try #require(placed.string("callId"))
    }
}

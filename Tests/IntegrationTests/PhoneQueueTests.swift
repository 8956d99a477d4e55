import Domain
import Foundation
import Telephony
import Testing

/// Shared phone queues for agents (admin guide 9.2.2) and their supervision alerts, end to end over real TCP: hunt group
/// 7777 of the simulator (agents bob 1002 and carol 1003) as the phone queue "Hotline" of the domain, viewed by alice,
/// bob and carol, who hold its right and the TWS Alerter application.
@Suite("Phone queues", .serialized)
struct PhoneQueueTests {
    static let firstCaller = "0612345678"
    static let secondCaller = "0698765432"

    /// A world whose queue 7777 alerts at 2 waiting calls and at 2 seconds of wait.
    static func run(style: SimulatorStyle = .plain, _ test: @Sendable (TelephonyWorld, _ queueId: Int64) async throws -> Void) async throws {
        try await TelephonyWorld.run(
            style: style,
            setUp: { client, admin, domainId, _ in
                _ = try await client.create(
                    "/api/v1/admin/domains/\(domainId)/phone-queues",
                    token: admin,
                    json: #"{"name":"Hotline","device":{"number":"7777"},"alertWaitingCalls":2,"alertLongestWaitSeconds":2}"#
                )
            }
        ) { w in
            let queues = try await w.client.must(.get, "/api/v1/admin/domains/\(w.domainId)/phone-queues", token: w.adminToken).items()
            let queueId = try #require(queues.first?.int64("id"))
            for user in ["alice", "bob", "carol"] {
                try await w.client.grant("phoneQueue", queueId, to: "user", w.userId(user), token: w.adminToken)
                let granted = try await w.client.grantApplication("Alerter", granteeType: "user", granteeId: w.userId(user), token: w.adminToken)
                #expect(granted.status == .created, "\(granted.text)")
            }
            try await eventually("queue monitored") { await w.simulator.monitoredDevices().contains("7777") }
            try await test(w, queueId)
        }
    }

    /// Both agents in do-not-disturb: the queue holds its calls.
    static func agentsAway(_ w: TelephonyWorld) async throws {
        for (user, number) in [("bob", "1002"), ("carol", "1003")] {
            try await w.client.must(
                .put,
                "/api/v1/telephony/devices/\(number)/dnd",
                token: w.token(user),
                json: #"{"enabled":true}"#,
                answer: .noContent
            )
            try await w.waitPresence(user, "dnd")
        }
    }

    /// GET /api/v1/telephony/queues as `user`.
    static func queues(_ w: TelephonyWorld, _ user: String) async throws -> [[String: Any]] {
        let response = try await w.client.must(.get, "/api/v1/telephony/queues", token: w.token(user))
        return try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]])
    }

    static func waitingCalls(_ w: TelephonyWorld) async throws -> [[String: Any]] {
        try await queues(w, "alice").first?.objects("calls") ?? []
    }

    @Test(
        "Calls wait in the queue while no agent is free: listed oldest first, joined and abandoned events, both alerts raised and cleared",
        arguments: SimulatorStyle.allCases
    )
    func waitingAbandonAndAlerts(style: SimulatorStyle) async throws {
        try await Self.run(style: style) { w, queueId in
            try await Self.agentsAway(w)
            let events = try await w.subscribe("alice")
            _ = try await w.simulator.placeCall(from: Self.firstCaller, to: "7777")
            try await eventually("first call waiting") { try await Self.waitingCalls(w).count == 1 }
            _ = try await w.simulator.placeCall(from: Self.secondCaller, to: "7777")
            try await eventually("second call waiting") { try await Self.waitingCalls(w).count == 2 }

            let queue = try #require(try await Self.queues(w, "alice").first)
            #expect(queue.int64("id") == queueId && queue.string("name") == "Hotline")
            #expect(queue["numbers"] as? [String] == ["7777"])
            #expect(queue.int("alertWaitingCalls") == 2 && queue.int("alertLongestWaitSeconds") == 2)
            let agents = try #require(queue.objects("agents"))
            #expect(Set(agents.compactMap { $0.int64("userId") }) == Set(["alice", "bob", "carol"].map(w.userId)))
            let bob = try #require(agents.first { $0.int64("userId") == w.userId("bob") })
            #expect(bob.string("state") == "busy", "\(bob)")
            #expect(bob.objects("devices")?.first?.string("presence") == "dnd")
            #expect(agents.first { $0.int64("userId") == w.userId("alice") }?.string("state") == "available")
            let calls = try #require(queue.objects("calls"))
            #expect(calls.map { $0.string("callerNumber") } == [Self.firstCaller, Self.secondCaller])
            #expect(calls.allSatisfy { ($0["ringingAt"] as? [String])?.isEmpty == true && $0.string("waitingSince") != nil })

            // The oldest call waits past 2 seconds: the longest-wait alert rises by time alone.
            let raised = try await collect(events) { events in
                events.compactMap(\.supervisionAlert).filter { $0.state == .raised }.count == 2
            }
            let joined = raised.compactMap(\.queue)
            #expect(joined.map(\.action) == [.joined, .joined])
            #expect(joined.map(\.callerNumber) == [Self.firstCaller, Self.secondCaller])
            #expect(joined.map(\.waiting) == [1, 2])
            #expect(joined.allSatisfy { $0.queueId == queueId && $0.queueName == "Hotline" })
            let alerts = raised.compactMap(\.supervisionAlert)
            #expect(alerts.map(\.metric) == [.waitingCalls, .longestWait])
            #expect(alerts.allSatisfy { $0.domainId == w.domainId && $0.queueId == queueId })
            #expect(alerts.first?.threshold == 2 && alerts.first?.value == 2)

            // The callers hang up while waiting: abandoned, and both alerts come back down.
            let more = try await w.subscribe("alice")
            try await w.simulator.hangUp(device: Self.firstCaller)
            try await w.simulator.hangUp(device: Self.secondCaller)
            let after = try await collect(more) { events in
                events.compactMap(\.queue).count == 2 && events.compactMap(\.supervisionAlert).filter { $0.state == .cleared }.count == 2
            }
            let left = after.compactMap(\.queue)
            #expect(left.map(\.action) == [.abandoned, .abandoned])
            #expect(left.map(\.waiting) == [1, 0])
            #expect(Set(after.compactMap(\.supervisionAlert).map(\.metric)) == [.waitingCalls, .longestWait])
            #expect(try await Self.waitingCalls(w).isEmpty)
        }
    }

    @Test("An agent takes a waiting call: it ends connected at the agent's device; taking it again is 409")
    func take() async throws {
        try await Self.run { w, queueId in
            try await Self.agentsAway(w)
            let events = try await w.subscribe("bob")
            _ = try await w.simulator.placeCall(from: Self.firstCaller, to: "7777")
            try await eventually("call waiting") { try await Self.waitingCalls(w).count == 1 }
            let callId = try #require(try await Self.waitingCalls(w).first?.string("callId"))

            let taken = try await w.client.must(
                .post,
                "/api/v1/telephony/queues/\(queueId)/calls/\(callId)/take",
                token: w.token("alice"),
                json: "{}"
            ).json()
            #expect(taken.string("device") == "1001" && taken.string("callId") == callId)
            #expect(taken.bool("answered") == true)
            try await eventually("connected at alice") { await w.simulator.state(of: "1001").map(\.state) == [.connected] }
            let seen = try await collect(events) { $0.contains { $0.queue?.action == .taken } }
            let event = try #require(seen.compactMap(\.queue).last)
            #expect(event.device == "1001" && event.callerNumber == Self.firstCaller && event.waiting == 0)

            expectProblem(
                try await w.client.post("/api/v1/telephony/queues/\(queueId)/calls/\(callId)/take", token: w.token("alice"), json: "{}"),
                .conflict,
                "queue_call_not_waiting"
            )
        }
    }

    @Test("A waiting call is diverted to an outside number; one answered by a free agent is reported as answered")
    func divertAndAnswered() async throws {
        try await Self.run(style: .real) { w, queueId in
            try await Self.agentsAway(w)
            let events = try await w.subscribe("carol")
            _ = try await w.simulator.placeCall(from: Self.firstCaller, to: "7777")
            try await eventually("call waiting") { try await Self.waitingCalls(w).count == 1 }
            let callId = try #require(try await Self.waitingCalls(w).first?.string("callId"))
            let dialled = try await w.client.must(
                .post,
                "/api/v1/telephony/queues/\(queueId)/calls/\(callId)/divert",
                token: w.token("carol"),
                json: #"{"to":"\#(Self.secondCaller)"}"#
            ).json()
            let number = try #require(dialled.string("number"))
            try await eventually("ringing outside") { await w.simulator.state(of: number).map(\.state) == [.alerting] }
            let diverted = try await collect(events) { $0.contains { $0.queue?.action == .diverted } }
            #expect(diverted.compactMap(\.queue).last?.device == number)

            // Bob comes back: the next caller is offered to him and he answers.
            _ = try await w.simulator.placeCall(from: "0611111111", to: "7777")
            try await eventually("second call waiting") { try await Self.waitingCalls(w).count == 1 }
            try await w.client.must(
                .put,
                "/api/v1/telephony/devices/1002/dnd",
                token: w.token("bob"),
                json: #"{"enabled":false}"#,
                answer: .noContent
            )
            let ringing = try await w.waitCall("bob", state: "alerting")
            #expect(try await Self.waitingCalls(w).first?["ringingAt"] as? [String] == ["1002"])
            try await w.client.must(.post, "/api/v1/calls/\(ringing)/answer", token: w.token("bob"), answer: .noContent)
            let answered = try await collect(events) { $0.contains { $0.queue?.action == .answered } }
            #expect(answered.compactMap(\.queue).last?.device == "1002")
        }
    }

    @Test("Queue rights: 403 without the Alerter application, 404 for a queue the user may not view, 400 across domains, SOAP twins")
    func rightsAndSOAP() async throws {
        try await Self.run { w, queueId in
            expectProblem(try await w.client.get("/api/v1/telephony/queues", token: w.token("dave")), .forbidden, "application_not_authorized")
            #expect(
                try await w.client.grantApplication("Alerter", granteeType: "user", granteeId: w.userId("dave"), token: w.adminToken).status
                    == .created
            )
            #expect(try await Self.queues(w, "dave").isEmpty)
            expectProblem(
                try await w.client.post("/api/v1/telephony/queues/\(queueId)/calls/1/take", token: w.token("dave"), json: "{}"),
                .notFound,
                "not_found"
            )
            expectProblem(
                try await w.client.post("/api/v1/telephony/queues/\(queueId)/calls/1/take", token: w.token("alice"), json: "{}"),
                .conflict,
                "queue_call_not_waiting"
            )

            // Admin guide 7.4.5: a queue right stays within the queue's domain.
            let paris = try await w.client.createDomain(companyId: w.companyId, name: "Paris", token: w.adminToken)
            let eve = try await w.client.createUser(domainId: paris, username: "eve", token: w.adminToken)
            let parisGroup = try await w.client.createGroup(domainId: paris, name: "Paris agents", token: w.adminToken)
            for (type, id) in [("user", eve), ("group", parisGroup)] {
                expectProblem(
                    try await w.client.post(
                        "/api/v1/admin/authorizations",
                        token: w.adminToken,
                        json: #"{"objectType":"phoneQueue","objectId":\#(queueId),"granteeType":"\#(type)","granteeId":\#(id)}"#
                    ),
                    .badRequest,
                    "queue_right_other_domain",
                    field: "granteeId"
                )
            }
            expectProblem(
                try await w.client.put(
                    "/api/v1/admin/phone-queues/\(queueId)",
                    token: w.adminToken,
                    json: #"{"name":"Hotline","device":{"number":"7777"},"alertWaitingCalls":0}"#
                ),
                .badRequest,
                "invalid_field",
                field: "alertWaitingCalls"
            )

            try await Self.agentsAway(w)
            _ = try await w.simulator.placeCall(from: Self.firstCaller, to: "7777")
            try await eventually("call waiting") { try await Self.waitingCalls(w).count == 1 }
            let callId = try #require(try await Self.waitingCalls(w).first?.string("callId"))
            let listed = try await w.client.soap("<tws:GetPhoneQueues/>", token: w.token("alice"))
            #expect(listed.status == .ok, "\(listed.text)")
            #expect(listed.text.contains("<tws:name>Hotline</tws:name>") && listed.text.contains(Self.firstCaller), "\(listed.text)")
            let taken = try await w.client.soap(
                "<tws:TakeQueueCall><tws:queueId>\(queueId)</tws:queueId><tws:callId>\(callId)</tws:callId></tws:TakeQueueCall>",
                token: w.token("alice")
            )
            #expect(taken.status == .ok, "\(taken.text)")
            #expect(taken.text.contains("<tws:device>1001</tws:device>"), "\(taken.text)")
        }
    }
}

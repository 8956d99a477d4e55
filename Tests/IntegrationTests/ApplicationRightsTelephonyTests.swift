import Foundation
import Hummingbird
import HummingbirdTesting
import Telephony
import Testing

/// Application rights against the PBX simulator (issue 19), in each manner it speaks: a user whose TWS Caller grant is
/// withdrawn can neither place, answer nor see calls, and the PBX is never asked; a call that reaches them meanwhile is
/// still logged for them (nothing is lost), and TWS Toolkit through a group lets them in again, both parties seeing
/// the call.
@Suite("Application rights with a PBX", .serialized)
struct ApplicationRightsTelephonyTests {
    @Test(arguments: SimulatorStyle.allCases)
    func withoutCallerNothingReachesThePBXAndToolkitThroughAGroupRestoresIt(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            let grants = try await w.client.must(
                .get,
                "/api/v1/admin/authorizations?companyId=\(w.companyId)&objectType=application&granteeType=user&granteeId=\(w.userId("alice"))",
                token: w.adminToken
            ).items()
            #expect(grants.count == 1)
            let grant = try #require(grants.first?.int64("id"))
            try await w.client.must(.delete, "/api/v1/admin/authorizations/\(grant)", token: w.adminToken, answer: .noContent)

            // Refused in Domain before any CSTA request: the simulator never sees a call from 1001.
            expectProblem(
                try await w.client.post("/api/v1/calls", token: w.token("alice"), json: #"{"number":"1002"}"#),
                .forbidden,
                "application_not_authorized"
            )
            expectProblem(try await w.client.get("/api/v1/telephony/devices", token: w.token("alice")), .forbidden, "application_not_authorized")
            #expect(await w.simulator.calls().isEmpty)
            #expect(try await w.calls("bob").isEmpty)

            // Bob (who holds Caller) calls alice: her phone rings, but she cannot answer through the server.
            let placed = try await w.client.must(.post, "/api/v1/calls", token: w.token("bob"), json: #"{"number":"1001"}"#, answer: .created).json()
            let bobCall = try #require(placed.string("callId"))
            try await eventually("alice's phone rings at the PBX") {
                await w.simulator.calls().contains { $0.connections.contains { $0.connection.deviceID == "1001" && $0.state == .alerting } }
            }
            // The right is checked before the call is even looked up.
            expectProblem(
                try await w.client.post("/api/v1/calls/\(bobCall)/answer", token: w.token("alice"), json: "{}"),
                .forbidden,
                "application_not_authorized"
            )
            let bobWaits = try #require(try await w.calls("bob").first)
            #expect(bobWaits.string("peerNumber") == "1001" && bobWaits["answeredAt"] == nil, "\(bobWaits)")
            try await w.client.must(.post, "/api/v1/calls/\(bobCall)/hangup", token: w.token("bob"), answer: .noContent)
            try await w.waitPresence("bob", "idle")
            w.expectLog(try await w.waitLog("bob"), "outgoing", peer: "1001", answered: false)
            expectProblem(try await w.client.get("/api/v1/call-logs", token: w.token("alice")), .forbidden, "application_not_authorized")

            // TWS Toolkit held through a group also counts for telephony.
            _ = try await w.client.setLicence("Toolkit", companyId: w.companyId, available: 5, token: w.adminToken)
            let group = try await w.client.createGroup(domainId: w.domainId, name: "Integrations", token: w.adminToken)
            try await w.client.must(.put, "/api/v1/admin/groups/\(group)/members/\(w.userId("alice"))", token: w.adminToken, answer: .noContent)
            #expect(try await w.client.grantApplication("Toolkit", granteeType: "group", granteeId: group, token: w.adminToken).status == .created)

            // The call that rang meanwhile was kept for her: a missed call from bob.
            w.expectLog(try await w.waitLog("alice"), "missed", peer: "1002", answered: false)

            let aliceEvents = try await w.subscribe("alice")
            let bobEvents = try await w.subscribe("bob")
            let call = try await w.client.must(.post, "/api/v1/calls", token: w.token("alice"), json: #"{"number":"1002"}"#, answer: .created).json()
            #expect(call.string("device") == "1001")
            let answer = try await w.waitCall("bob", state: "alerting")
            try await w.client.must(.post, "/api/v1/calls/\(answer)/answer", token: w.token("bob"), answer: .noContent)
            try await w.waitPresence("alice", "busy")
            try await w.client.must(.post, "/api/v1/calls/\(try #require(call.string("callId")))/hangup", token: w.token("alice"), answer: .noContent)
            try await w.waitPresence("bob", "idle")
            try await w.expectAnsweredCallPushed(alice: aliceEvents, bob: bobEvents)
            w.expectLog(try await w.waitLog("alice", count: 2), "outgoing", peer: "1002", answered: true)
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Telephony
import Testing

@testable import Server

/// A CRM's API key acting for users against the PBX simulator (issue 19): the call is placed from the named user's
/// device, with that user's rights and dialing plan; users outside the key's scope are not found.
@Suite("API keys acting for users", .serialized)
struct ApiKeyTelephonyTests {
    /// A key for alice directly and for carol through a group, with call control, call logs and presence.
    static func key(_ w: TelephonyWorld) async throws -> (id: Int64, secret: String) {
        _ = try await w.client.setLicence("Toolkit", companyId: w.companyId, available: 5, token: w.adminToken)
        let group = try await w.client.createGroup(domainId: w.domainId, name: "Sales", token: w.adminToken)
        _ = try await w.client.addMember(groupId: group, userId: w.userId("carol"), token: w.adminToken)
        return try await w.client.createKey(
            w.companyId,
            token: w.adminToken,
            scopes: ["calls:control", "calls:read", "presence:read"],
            users: [w.userId("alice")],
            groups: [group]
        )
    }

    /// A SOAP 1.2 request with the key as `X-API-Key`.
    static func soap(_ operation: String, key secret: String, _ w: TelephonyWorld) async throws -> TestResponse {
        try await w.client.execute(
            uri: "/soap",
            method: .post,
            headers: [.contentType: SOAPTestVersion.soap12.contentType, HTTPField.Name("X-API-Key")!: secret],
            body: ByteBuffer(string: SOAPTestVersion.soap12.envelope(operation))
        )
    }

    @Test(
        "A key places, answers the other side of and hangs up a call for alice: both parties' events, lines and logs",
        arguments: SimulatorStyle.allCases
    )
    func makeCallOnBehalfOfAScopedUser(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            let key = try await Self.key(w)
            let aliceEvents = try await w.subscribe("alice")
            let bobEvents = try await w.subscribe("bob")
            let placed = try await w.client.withKey(.post, "/api/v1/calls", key: key.secret, json: #"{"number":"1002","onBehalfOf":"alice"}"#)
            #expect(placed.status == .created, "\(placed.text)")
            let call = try placed.json()
            #expect(call.string("device") == "1001" && call.object("dialled")?.string("number") == "1002")
            let callId = try #require(call.string("callId"))
            let ringing = try await w.waitCall("bob", state: "alerting")
            // Both lines as the users see them: alice calls out to 1002 from her device, bob rings from 1001.
            let ringback = try #require(try await w.calls("alice").first)
            #expect(ringback.string("direction") == "outgoing" && ringback.string("peerNumber") == "1002" && ringback["answeredAt"] == nil)
            let bobRinging = try #require(try await w.calls("bob").first)
            #expect(bobRinging.string("direction") == "incoming" && bobRinging.string("peerNumber") == "1001")
            // The key reads alice's line through presence, in her name.
            let seen = try await w.client.withKey(.get, "/api/v1/telephony/presence?users=alice", key: key.secret)
            #expect(seen.status == .ok, "\(seen.text)")
            let seenDevices = try seen.json().objects("devices") ?? []
            #expect(seenDevices.map { $0.string("device") } == ["1001"], "\(seen.text)")
            // The key may not answer bob's call: bob is outside its scope.
            let notBob = try await w.client.withKey(.post, "/api/v1/calls/\(ringing)/answer", key: key.secret, json: #"{"onBehalfOf":"bob"}"#)
            expectProblem(notBob, .notFound, "not_found", field: "onBehalfOf")
            try await w.client.must(.post, "/api/v1/calls/\(ringing)/answer", token: w.token("bob"), answer: .noContent)
            try await w.waitPresence("alice", "busy")
            try await w.waitPresence("bob", "busy")
            // The key hangs alice's call up for her (Bearer form this time).
            let hangUp = try await w.client.send(.post, "/api/v1/calls/\(callId)/hangup", token: key.secret, json: #"{"onBehalfOf":"alice"}"#)
            #expect(hangUp.status == .noContent, "\(hangUp.text)")
            try await w.waitPresence("alice", "idle")
            try await w.waitPresence("bob", "idle")

            try await w.expectAnsweredCallPushed(alice: aliceEvents, bob: bobEvents)
            w.expectLog(try await w.waitLog("alice"), "outgoing", peer: "1002", answered: true)
            w.expectLog(try await w.waitLog("bob"), "incoming", peer: "1001", answered: true)
            // The key reads the same entry in alice's name.
            let logs = try await w.client.withKey(.get, "/api/v1/call-logs?onBehalfOf=alice", key: key.secret)
            #expect(logs.status == .ok, "\(logs.text)")
            let entry = try #require(try logs.json().objects("items")?.first)
            w.expectLog(entry, "outgoing", peer: "1002", answered: true)

            // Carol through the group: from her device, and dave's line rings from 1003.
            let carol = try await w.client.withKey(.post, "/api/v1/calls", key: key.secret, json: #"{"number":"1004","onBehalfOf":"carol"}"#)
            #expect(carol.status == .created, "\(carol.text)")
            #expect(try carol.json().string("device") == "1003")
            _ = try await w.waitCall("dave", state: "alerting")
            #expect(try await w.calls("dave").first?.string("peerNumber") == "1003")

            // Bob is outside the key's users and groups: 404, and nothing is dialled.
            let bob = try await w.client.withKey(.post, "/api/v1/calls", key: key.secret, json: #"{"number":"1003","onBehalfOf":"bob"}"#)
            expectProblem(bob, .notFound, "not_found", field: "onBehalfOf")
            let missing = try await w.client.withKey(.post, "/api/v1/calls", key: key.secret, json: #"{"number":"1004"}"#)
            expectProblem(missing, .badRequest, "invalid_field", field: "onBehalfOf")
            #expect(try await w.calls("bob").isEmpty)

            // A user's own token names only themself.
            let selfCall = try await w.client.post("/api/v1/calls", token: w.token("dave"), json: #"{"number":"1001","onBehalfOf":"alice"}"#)
            expectProblem(selfCall, .forbidden, "forbidden")
        }
    }

    @Test func presenceOfSeveralScopedUsersAndTheKeysMetrics() async throws {
        try await TelephonyWorld.run { w in
            let key = try await Self.key(w)
            let presence = try await w.client.withKey(.get, "/api/v1/telephony/presence?users=alice,carol", key: key.secret)
            #expect(presence.status == .ok, "\(presence.text)")
            let body = try presence.json()
            let devices = Set((body.objects("devices") ?? []).compactMap { $0.string("device") })
            #expect(devices == ["1001", "1003"])
            let users = Set((body.objects("users") ?? []).compactMap { $0.int64("userId") })
            #expect(users == [w.userId("alice"), w.userId("carol")])
            let outside = try await w.client.withKey(.get, "/api/v1/telephony/presence?users=alice,bob", key: key.secret)
            expectProblem(outside, .notFound, "not_found", field: "onBehalfOf")
            let asUser = try await w.client.get("/api/v1/telephony/presence?users=alice", token: w.token("alice"))
            expectProblem(asUser, .forbidden, "forbidden")
            // A refused key is counted by reason.
            _ = try await w.client.withKey(.get, "/api/v1/telephony/presence?users=alice", key: "tws_k1_unknownunknownunknownunknown")

            let metrics = try await w.client.must(.get, "/metrics", token: TelephonyWorld.metricsToken).text
            #expect(metrics.contains(#"tws_api_key_requests_total{key="\#(key.id)"} "#), "\(metrics)")
            #expect(metrics.contains(#"tws_api_key_refusals_total{reason="unknown"} "#))
        }
    }

    @Test(arguments: SimulatorStyle.allCases)
    func soapMakeCallWithAKeyOnBehalfOfAUser(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            let key = try await Self.key(w)
            for version in [SOAPTestVersion.soap11, .soap12] {
                let envelope = version.envelope("<tws:MakeCall><tws:number>1002</tws:number><tws:onBehalfOf>alice</tws:onBehalfOf></tws:MakeCall>")
                var headers: HTTPFields = [.contentType: version.contentType, HTTPField.Name("X-API-Key")!: key.secret]
                if version == .soap11 { headers[HTTPField.Name("SOAPAction")!] = "\"urn:opentws:soap:v1#MakeCall\"" }
                let response = try await w.client.execute(uri: "/soap", method: .post, headers: headers, body: ByteBuffer(string: envelope))
                #expect(response.status == .ok, "\(response.text)")
                #expect(response.text.contains("<tws:device>1001</tws:device>"), "\(response.text)")
                let callId = try #require(response.text.firstMatch(of: /<tws:callId>([^<]+)<\/tws:callId>/)?.1)
                _ = try await w.waitCall("bob", state: "alerting")
                try await w.client.must(
                    .post,
                    "/api/v1/calls/\(callId)/hangup",
                    token: key.secret,
                    json: #"{"onBehalfOf":"alice"}"#,
                    answer: .noContent
                )
                try await w.waitPresence("bob", "idle")
            }
            // Bob is outside the key's scope: the fault carries not_found.
            let refused = try await Self.soap(
                "<tws:MakeCall><tws:number>1002</tws:number><tws:onBehalfOf>bob</tws:onBehalfOf></tws:MakeCall>",
                key: key.secret,
                w
            )
            #expect(refused.text.contains("<tws:code>not_found</tws:code>"), "\(refused.text)")

            // GetPresence in carol's name (through the key's group): her device's line.
            let presence = try await Self.soap("<tws:GetPresence><tws:onBehalfOf>carol</tws:onBehalfOf></tws:GetPresence>", key: key.secret, w)
            #expect(presence.status == .ok, "\(presence.text)")
            #expect(presence.text.contains("<tws:device>1003</tws:device>"), "\(presence.text)")
            let noOne = try await Self.soap("<tws:GetPresence/>", key: key.secret, w)
            #expect(noOne.text.contains("<tws:code>invalid_field</tws:code>"), "\(noOne.text)")
        }
    }
}

import Foundation
import HummingbirdTesting
import Telephony
import Testing

@testable import Domain
@testable import Server

/// The explain endpoints of forwarding rules (issue 18): `POST /api/v1/rules/test`, its admin twin and SOAP TestRules,
/// over the whole server and the PBX simulator on TCP. Rules are stored straight into the database (their CRUD is
/// another capability); PBX forwards are set on the simulated telephone.
@Suite("Explaining forwarding rules", .serialized)
struct RuleExplainEndpointTests {
    /// Stores a rule of `user` as it is.
    static func storeRule(
        _ w: TelephonyWorld,
        _ user: String,
        _ name: String,
        _ type: ForwardingKind = .immediate,
        to destination: RuleDestination,
        conditions: RuleConditions = RuleConditions()
    ) async throws -> ForwardingRule {
        let (companyId, domainId, userId) = (w.companyId, w.domainId, w.userId(user))
        return try await w.server.services.rules.store.write { tx in
            try tx.insert(
                ForwardingRule(
                    companyId: companyId,
                    domainId: domainId,
                    owner: .user(userId),
                    imposed: false,
                    name: name,
                    kind: .advanced,
                    active: true,
                    priority: 1,
                    source: .user,
                    action: RuleAction(type: type, destination: destination),
                    conditions: conditions,
                    updatedAt: Date()
                )
            )
        }
    }

    @Test(arguments: SimulatorStyle.allCases)
    func aForwardSetOnTheTelephoneIsExplainedAsThePBXs(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            try await w.simulator.pbxSwitch.setForwarding(device: "1002", type: .immediate, to: "1003", active: true)
            try await eventually("the forward reaches the call model") {
                w.server.events.line(domainId: w.domainId, device: "1002")?.forwarding[.immediate] == "1003"
            }
            // DisplaySimpleRules (default on) takes the telephone's forward in as a simple rule: explain names it.
            try await eventually("the forward taken in as a rule") {
                try await w.server.database.read { tx in try tx.forwardingRules(userId: w.userId("bob")) }.contains { $0.source == .telephone }
            }
            // A server-run rule of bob's is never reached: the PBX forwards first.
            _ = try await Self.storeRule(w, "bob", "External to mobile", to: .number("0611111111"))
            let response = try await w.client.post(
                "/api/v1/rules/test",
                token: w.token("bob"),
                json: #"{"callerNumber":"1004","deviceState":"idle"}"#
            )
            #expect(response.status == .ok, "\(response.text)")
            let body = try response.json()
            #expect(body.string("decision") == "forward" && body.string("type") == "immediate" && body.string("destination") == "1003")
            let adopted = try await w.server.database.read { tx in try tx.forwardingRules(userId: w.userId("bob")) }.first { $0.source == .telephone }
            let rule = try #require(body.object("rule"))
            #expect(rule.int64("ruleId") == adopted?.id && rule.string("outcome") == "fired")
            #expect(body.objects("steps")?.map { $0.string("outcome") } == ["fired"])
            let chain = try #require(body.objects("chain"))
            #expect(chain.map { $0.string("device") } == ["1002", "1003"])
            #expect(chain.first?.string("via") == "pbx" && chain.first?.int64("userId") == w.userId("bob"))
            #expect(body.string("finalDestination") == "1003")
            let context = try #require(body.object("context"))
            #expect(context.string("origin") == "internal" && context.string("deviceState") == "idle" && context.string("device") == "1002")
            #expect(context.string("timeZone") == "UTC")
        }
    }

    @Test func aPhoneForwardNotTakenInAsARuleIsExplainedAsThePBXsAlone() async throws {
        try await TelephonyWorld.run { w in
            _ = try await w.client.setParameter(
                scope: "user", scopeId: w.userId("bob"), application: "Caller", name: "DisplaySimpleRules", value: "false", token: w.adminToken
            )
            try await w.simulator.pbxSwitch.setForwarding(device: "1002", type: .busy, to: "1003", active: true)
            try await eventually("the forward reaches the call model") {
                w.server.events.line(domainId: w.domainId, device: "1002")?.forwarding[.busy] == "1003"
            }
            let response = try await w.client.post(
                "/api/v1/rules/test", token: w.token("bob"), json: #"{"callerNumber":"1004","deviceState":"busy"}"#
            )
            #expect(response.status == .ok, "\(response.text)")
            let body = try response.json()
            #expect(body.string("decision") == "forward" && body.string("type") == "busy" && body.string("destination") == "1003")
            #expect(body.object("rule") == nil && body.objects("steps")?.isEmpty == true)
            #expect(body.objects("chain")?.first?.string("via") == "pbx")
        }
    }

    /// RFC 3339 lets a client send fractional seconds and an offset (JavaScript's `toISOString()` does the first).
    @Test func aTimeWithFractionalSecondsAndAnOffsetIsRead() async throws {
        try await TelephonyWorld.run { w in
            let response = try await w.client.post(
                "/api/v1/rules/test", token: w.token("bob"), json: #"{"callerNumber":"1004","time":"2026-12-07T11:00:00.250+01:00"}"#
            )
            #expect(response.status == .ok, "\(response.text)")
            #expect(try response.json().object("context")?.string("time") == "2026-12-07T10:00:00Z")
            let wrong = try await w.client.post("/api/v1/rules/test", token: w.token("bob"), json: #"{"callerNumber":"1004","time":"Monday 10am"}"#)
            #expect(wrong.status == .badRequest)
        }
    }

    @Test func aColleagueChainOverRESTAndSOAP() async throws {
        try await TelephonyWorld.run { w in
            let alices = try await Self.storeRule(w, "alice", "To Bob", to: .colleague(userId: w.userId("bob")))
            let external = try await Self.storeRule(
                w,
                "bob",
                "External to mobile",
                to: .number("0611111111"),
                conditions: RuleConditions(origin: RuleOrigin(match: .external))
            )
            let bobs = try await Self.storeRule(w, "bob", "Unanswered to Carol", .noAnswer, to: .colleague(userId: w.userId("carol")))
            let response = try await w.client.post(
                "/api/v1/rules/test",
                token: w.token("alice"),
                json: #"{"callerNumber":"1004","time":"2026-12-07T10:00:00Z","presence":"online"}"#
            )
            #expect(response.status == .ok, "\(response.text)")
            let body = try response.json()
            #expect(body.string("decision") == "forward" && body.object("rule")?.int64("ruleId") == alices.id)
            #expect(body.object("rule")?.string("outcome") == "fired" && body.string("destination") == "1002")
            let chain = try #require(body.objects("chain"))
            #expect(chain.map { $0.string("device") } == ["1001", "1002", "1003"])
            #expect(chain.map { $0.int64("ruleId") } == [alices.id, bobs.id, nil])
            #expect(chain[1].string("via") == "rule" && chain[1].string("type") == "no_answer" && chain[1].string("userName") == "First bob Last")
            #expect(body.string("finalDestination") == "1003")
            #expect(body.object("context")?.string("time") == "2026-12-07T10:00:00Z" && body.object("context")?.string("presence") == "online")
            // Bob's own explanation says why his first rule did not fire.
            let bob = try await w.client.post("/api/v1/rules/test", token: w.token("bob"), json: #"{"callerNumber":"1004"}"#).json()
            let steps = try #require(bob.objects("steps"))
            #expect(steps.map { $0.int64("ruleId") } == [external.id, bobs.id])
            #expect(steps[0].string("outcome") == "skipped" && steps[0].string("condition") == "origin" && steps[0].string("reason") != nil)
            #expect(bob.int("waitSeconds") == 15)

            let soap = try await w.client.soap(
                "<tws:TestRules><tws:callerNumber>1004</tws:callerNumber><tws:deviceState>idle</tws:deviceState></tws:TestRules>",
                token: w.token("alice")
            )
            #expect(soap.status == .ok, "\(soap.text)")
            for fragment in [
                "<tws:decision>forward</tws:decision>", "<tws:destination>1002</tws:destination>", "<tws:device>1003</tws:device>",
                "<tws:finalDestination>1003</tws:finalDestination>", "<tws:ruleName>To Bob</tws:ruleName>", "<tws:deviceState>idle</tws:deviceState>",
            ] {
                #expect(soap.text.contains(fragment), "\(fragment) in \(soap.text)")
            }
            // A device that is not the user's answers like a missing one.
            let foreign = try await w.client.post("/api/v1/rules/test", token: w.token("alice"), json: #"{"callerNumber":"1004","device":"1002"}"#)
            expectProblem(foreign, .notFound, "not_found", "another user's device:")
        }
    }

    @Test func aLoopIsReportedAndNothingIsSaidToBeForwarded() async throws {
        try await TelephonyWorld.run { w in
            _ = try await Self.storeRule(w, "alice", "To Bob", to: .colleague(userId: w.userId("bob")))
            _ = try await Self.storeRule(w, "bob", "Back to Alice", to: .number("1001"))
            let body = try await w.client.post("/api/v1/rules/test", token: w.token("alice"), json: #"{"callerNumber":"0612345678"}"#).json()
            #expect(body.string("decision") == "loop" && body["finalDestination"] == nil)
            #expect(body.objects("chain")?.map { $0.string("device") } == ["1001", "1002", "1001"])
            #expect(body.object("context")?.string("origin") == "external")
        }
    }

    @Test func anAdministratorExplainsForUsersOfTheirCompaniesOnly() async throws {
        try await TelephonyWorld.run { w in
            _ = try await Self.storeRule(w, "carol", "To Dave", to: .colleague(userId: w.userId("dave")))
            let root = try await w.client.post(
                "/api/v1/admin/users/\(w.userId("carol"))/rules/test",
                token: w.adminToken,
                json: #"{"callerNumber":"1001"}"#
            )
            #expect(root.status == .ok, "\(root.text)")
            #expect(try root.json().string("finalDestination") == "1004")
            // An administrator of another company: carol is not found, like a user that does not exist.
            let rival = try await w.client.createCompany("Rival", token: w.adminToken)
            _ = try await w.client.create(
                "/api/v1/admin/admins",
                token: w.adminToken,
                json: jsonObject(["username": "rival-admin", "password": "rival-admin-pw", "superUser": false, "companyIds": [rival]])
            )
            let rivalToken = try await w.client.adminLogin("rival-admin", "rival-admin-pw").token
            let hidden = try await w.client.post(
                "/api/v1/admin/users/\(w.userId("carol"))/rules/test",
                token: rivalToken,
                json: #"{"callerNumber":"1001"}"#
            )
            expectProblem(hidden, .notFound, "not_found", "another company's user:")
            let missing = try await w.client.post("/api/v1/admin/users/999999/rules/test", token: w.adminToken, json: #"{"callerNumber":"1001"}"#)
            expectProblem(missing, .notFound, "not_found", "a user that does not exist:")
            // Users cannot use the admin twin.
            let user = try await w.client.post(
                "/api/v1/admin/users/\(w.userId("carol"))/rules/test",
                token: w.token("carol"),
                json: #"{"callerNumber":"1001"}"#
            )
            #expect(user.status == .unauthorized || user.status == .forbidden, "\(user.status)")
        }
    }
}

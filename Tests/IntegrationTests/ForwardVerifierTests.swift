import Foundation
import HummingbirdTesting
import Telephony
import Testing

@testable import Domain
@testable import Server

/// TRANSFERVERIFICATION with EMERGENCYNUMBER (issue 18, admin guide 9.6.2), over the PBX simulator: the Rules resource
/// device 1099 (a "rules-resource" user's) answers forwarded calls and consults their destination, then dave's 1004,
/// the emergency number. The rule engine's part (deflect to `deflectTarget`, then `forwarded`) is played by the test.
@Suite("Forward verification and the emergency number", .serialized)
struct ForwardVerifierTests {
    static let external = "0612345678"

    /// Domain-level Rules parameters: verification on, dave as the emergency number tried `times` times, `wait`
    /// seconds of ringing, and (when `resource`) the resource device 1099.
    static func verification(times: Int, wait: Int, resource: Bool)
        -> @Sendable (any TestClientProtocol, String, Int64, [String: Int64]) async throws -> Void
    {
        { client, admin, domainId, _ in
            let id = try await client.createUser(domainId: domainId, username: "rules-resource", token: admin)
            _ = try await client.create("/api/v1/admin/users/\(id)/devices", token: admin, json: #"{"number":"1099"}"#)
            var values = [
                "TRANSFERVERIFICATION": "true", "EMERGENCYNUMBER": "1004", "EMERGENCYNUMBERCALLTIMES": "\(times)",
                "WAITTIMENOREPLY": "\(wait)", "WAITTIMENOREPLYPBX": "\(wait)",
            ]
            if resource { values["ResourceDevice"] = "1099" }
            for (name, value) in values {
                let response = try await client.setParameter(scope: "domain", scopeId: domainId, application: "Rules", name: name, value: value, token: admin)
                #expect(response.status.code < 300, "\(name)")
            }
        }
    }

    @Test(arguments: SimulatorStyle.allCases)
    func aForwardToAnExtensionThatNeverAnswersReachesTheEmergencyNumberTheConfiguredNumberOfTimes(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style, setUp: Self.verification(times: 2, wait: 1, resource: true)) { w in
            let events = try await w.subscribe("alice")
            let callId = try await w.forwardByRule(from: "1001", to: "1003")
            let seen = try await collect(events, timeout: .seconds(20)) { events in events.contains { $0.ruleApplied?.outcome == .failed } }
            let outcomes = seen.compactMap(\.ruleApplied).map { "\($0.outcome.rawValue)\($0.attempt.map { " \($0)" } ?? "")" }
            #expect(outcomes == ["not_answered", "emergency 1", "emergency 2", "failed"])
            #expect(seen.compactMap(\.ruleApplied).allSatisfy { $0.callId == callId && $0.device == "1001" && $0.ruleName == "To carol" })
            // dave's phone rang twice (two consultation calls, neither answered), and the caller's call was ended.
            try await eventually("two missed calls at dave's") { (try? await w.callLog("dave").count) == 2 }
            try await eventually("the caller's call ended") { await w.simulator.calls().isEmpty }
        }
    }

    @Test
    func anAnsweredDestinationIsTransferredTheCall() async throws {
        try await TelephonyWorld.run(setUp: Self.verification(times: 2, wait: 10, resource: true)) { w in
            let events = try await w.subscribe("alice")
            _ = try await w.forwardByRule(from: "1001", to: "1003")
            _ = try await w.waitCall("carol", state: "alerting")
            _ = try await w.simulator.answer(device: "1003")
            let seen = try await collect(events) { events in events.contains { $0.ruleApplied?.outcome == .answered } }
            #expect(seen.compactMap(\.ruleApplied).map(\.outcome) == [.answered])
            // carol talks with the caller; the resource is out of the call.
            try await eventually("carol connected to the caller") { (try? await w.calls("carol"))?.first?.string("state") == "connected" }
            try await eventually("the resource free") { w.server.events.line(domainId: w.domainId, device: "1099")?.calls.isEmpty == true }
        }
    }

    @Test(arguments: SimulatorStyle.allCases)
    func aPBXNoAnswerForwardLeftRingingGoesToTheEmergencyNumber(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(
            style: style,
            simulator: { $0.switchConfiguration.noAnswerTimeout = .seconds(1) },
            setUp: Self.verification(times: 1, wait: 1, resource: false)
        ) { w in
            let events = try await w.subscribe("alice")
            try await w.setPhoneForward("alice", "1001", "no_answer", "1003")
            try await eventually("the gateway sees alice's forward") {
                w.server.events.line(domainId: w.domainId, device: "1001")?.forwarding[.noAnswer] == "1003"
            }
            _ = try await w.simulator.placeCall(from: Self.external, to: "1001")
            _ = try await w.waitCall("carol", state: "alerting")
            let seen = try await collect(events) { events in events.contains { $0.ruleApplied?.outcome == .emergency } }
            let applied = seen.compactMap(\.ruleApplied)
            #expect(applied.map(\.outcome) == [.notAnswered, .emergency])
            #expect(applied.first?.destination == "1003")
            #expect(applied.last?.destination == "1004" && applied.last?.attempt == 1)
            // The call now rings at dave's, and no longer at carol's.
            _ = try await w.waitCall("dave", state: "alerting")
            try await eventually("carol no longer rings") { (try? await w.calls("carol"))?.isEmpty == true }
        }
    }

    @Test
    func aPBXForwardLeftRingingGoesThroughTheResourceWhichTransfersTheAnsweredEmergencyCall() async throws {
        try await TelephonyWorld.run(
            simulator: { $0.switchConfiguration.noAnswerTimeout = .seconds(1) },
            setUp: Self.verification(times: 2, wait: 2, resource: true)
        ) { w in
            let events = try await w.subscribe("alice")
            try await w.setPhoneForward("alice", "1001", "no_answer", "1003")
            try await eventually("the gateway sees alice's forward") {
                w.server.events.line(domainId: w.domainId, device: "1001")?.forwarding[.noAnswer] == "1003"
            }
            _ = try await w.simulator.placeCall(from: Self.external, to: "1001")
            _ = try await w.waitCall("dave", state: "alerting")
            _ = try await w.simulator.answer(device: "1004")
            let seen = try await collect(events) { events in events.contains { $0.ruleApplied?.outcome == .answered } }
            #expect(seen.compactMap(\.ruleApplied).map(\.outcome) == [.notAnswered, .emergency, .answered])
            try await eventually("dave connected to the caller") { (try? await w.calls("dave"))?.first?.string("state") == "connected" }
            try await eventually("the resource free") { w.server.events.line(domainId: w.domainId, device: "1099")?.calls.isEmpty == true }
        }
    }
}

extension TelephonyWorld {
    /// Plays the rule engine: an external call rings at `device`, a rule of its user forwards it to `destination`
    /// (deflected where the verifier says, then announced to it). Returns the call's id.
    func forwardByRule(from device: String, to destination: String) async throws -> String {
        try await eventually("the resource monitored") { server.events.line(domainId: domainId, device: "1099")?.monitored == true }
        _ = try await simulator.placeCall(from: ForwardVerifierTests.external, to: device)
        let user = try #require(Self.people.first { $0.value == device }?.key)
        let callId = try await waitCall(user, state: "alerting")
        let ringing = try #require(server.events.line(domainId: domainId, device: device)?.calls.first { $0.callId == callId })
        let target = await server.verifier.deflectTarget(domainId: domainId, userId: userId(user), destination: destination)
        #expect(target == "1099")
        _ = try await server.services.rules.gateway.execute(.deflect(ringing.ref, to: target), domainId: domainId)
        let rule = ForwardingRule(
            id: 1,
            companyId: companyId,
            domainId: domainId,
            owner: .user(userId(user)),
            imposed: false,
            name: "To carol",
            kind: .simple,
            active: true,
            priority: 1,
            source: .user,
            action: RuleAction(type: .immediate, destination: .number(destination)),
            updatedAt: Date()
        )
        await server.verifier.forwarded(
            domainId: domainId,
            userId: userId(user),
            rule: rule,
            callId: callId,
            from: device,
            destination: destination,
            target: target
        )
        return callId
    }
}

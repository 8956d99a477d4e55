import Foundation
import HummingbirdTesting
import Telephony
import Testing

@testable import Domain
@testable import Server

/// Simple rules kept in step with PBX forwarding (issue 18, admin guide 9.1.8 and 9.6.2), over the PBX simulator.
/// Rules are written through the store and applied with `SimpleRuleSync.apply`, as the rule endpoints do after a write.
@Suite("Simple rules and PBX forwarding", .serialized)
struct SimpleRuleSyncTests {
    @Test(arguments: SimulatorStyle.allCases)
    func activatingASimpleRuleSetsThePBXForwardAndDeactivatingItClearsIt(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            let bob = w.userId("bob")
            var rule = try await w.insertRule(bob, .busy, .colleague(userId: w.userId("carol")))
            try await w.sync.apply(userId: bob, domainId: w.domainId)
            try await eventually("bob's busy forward to carol in the PBX") { await w.pbxForward("1002", .busy) == "1003" }
            try await eventually("the gateway sees it") { w.server.events.line(domainId: w.domainId, device: "1002")?.forwarding[.busy] == "1003" }

            rule.active = false
            try await w.updateRule(rule)
            try await w.sync.apply(userId: bob, domainId: w.domainId)
            try await eventually("bob's busy forward cleared") { await w.pbxForward("1002", .busy) == nil }
            try await eventually("the gateway sees it cleared") { w.server.events.line(domainId: w.domainId, device: "1002")?.forwarding[.busy] == nil }
            // The server's own commands came back as events: neither made a rule from the telephone.
            try await w.settle()
            let rules = try await w.rules(bob)
            #expect(rules.count == 1)
            #expect(rules.first?.active == false)
        }
    }

    @Test
    func theFirstActiveSimpleRuleOfEachTypeIsTheForwardAndVoicemailUsesVmNumber() async throws {
        try await TelephonyWorld.run { w in
            let bob = w.userId("bob")
            _ = try await w.client.setParameter(scope: "user", scopeId: bob, application: "Caller", name: "vmNumber", value: "1004", token: w.adminToken)
            _ = try await w.insertRule(bob, .noAnswer, .voicemail, priority: 1)
            _ = try await w.insertRule(bob, .noAnswer, .number("1001"), priority: 2)
            _ = try await w.insertRule(bob, .immediate, .number("1003"), active: false, priority: 3)
            try await w.sync.apply(userId: bob, domainId: w.domainId)
            try await eventually("no-answer forward to voicemail") { await w.pbxForward("1002", .noAnswer) == "1004" }
            #expect(await w.pbxForward("1002", .immediate) == nil)
            #expect(await w.pbxForward("1002", .busy) == nil)
        }
    }

    @Test(arguments: SimulatorStyle.allCases)
    func aForwardSetOnThePhoneShowsUpAsARuleAndSwitchingItOffDeactivatesIt(style: SimulatorStyle) async throws {
        try await TelephonyWorld.run(style: style) { w in
            let bob = w.userId("bob")
            try await w.setPhoneForward("bob", "1002", "immediate", "1003")
            try await eventually("a rule from the telephone") { try await w.rules(bob).contains { $0.active } }
            let rule = try #require(try await w.rules(bob).first)
            #expect(rule.source == .telephone)
            #expect(rule.kind == .simple)
            #expect(rule.name == "Forward (immediate) from the telephone")
            #expect(rule.action == RuleAction(type: .immediate, destination: .number("1003")))

            try await w.setPhoneForward("bob", "1002", "immediate", nil)
            try await eventually("the rule switched off") { try await w.rules(bob).allSatisfy { !$0.active } }

            // Switched on again to the same number: the stored rule comes back, no second one.
            try await w.setPhoneForward("bob", "1002", "immediate", "1003")
            try await eventually("the rule active again") { try await w.rules(bob).contains { $0.active } }
            #expect(try await w.rules(bob).count == 1)
            // And applying the rules leaves that forward as it is.
            try await w.sync.apply(userId: bob, domainId: w.domainId)
            #expect(await w.pbxForward("1002", .immediate) == "1003")
        }
    }

    @Test
    func aForwardSetOnThePhoneOfAUserWithoutDisplaySimpleRulesMakesNoRule() async throws {
        try await TelephonyWorld.run { w in
            let bob = w.userId("bob")
            _ = try await w.client.setParameter(
                scope: "user",
                scopeId: bob,
                application: "Caller",
                name: "DisplaySimpleRules",
                value: "false",
                token: w.adminToken
            )
            try await w.setPhoneForward("bob", "1002", "busy", "1003")
            // alice's forward is taken in after bob's (one queue, in PBX order): once hers is a rule, bob's was seen.
            try await w.setPhoneForward("alice", "1001", "busy", "1003")
            try await eventually("alice's rule from the telephone") { try await w.rules(w.userId("alice")).count == 1 }
            #expect(try await w.rules(bob).isEmpty)
            // bob's forward stays in the PBX when his rules are applied: no rule had set it.
            try await w.sync.apply(userId: bob, domainId: w.domainId)
            #expect(await w.pbxForward("1002", .busy) == "1003")
        }
    }

    @Test
    func createOnlyRULSetsNoPBXForwardClearsTheRulesOwnAndKeepsThePhones() async throws {
        try await TelephonyWorld.run { w in
            let bob = w.userId("bob")
            _ = try await w.insertRule(bob, .busy, .number("1003"))
            try await w.sync.apply(userId: bob, domainId: w.domainId)
            try await eventually("the busy forward a rule set") { await w.pbxForward("1002", .busy) == "1003" }
            try await eventually("the gateway sees it") { w.server.events.line(domainId: w.domainId, device: "1002")?.forwarding[.busy] == "1003" }

            _ = try await w.client.setParameter(scope: "user", scopeId: bob, application: "Rules", name: "CreateOnlyRUL", value: "true", token: w.adminToken)
            try await w.sync.apply(userId: bob, domainId: w.domainId)
            try await eventually("the rule's forward cleared") { await w.pbxForward("1002", .busy) == nil }
            _ = try await w.insertRule(bob, .immediate, .number("1004"), priority: 2)
            try await w.sync.apply(userId: bob, domainId: w.domainId)
            #expect(await w.pbxForward("1002", .immediate) == nil)

            // A no-answer forward set on the phone stays when the rules are applied.
            try await w.setPhoneForward("bob", "1002", "no_answer", "1001")
            try await eventually("the gateway sees the phone's forward") {
                w.server.events.line(domainId: w.domainId, device: "1002")?.forwarding[.noAnswer] == "1001"
            }
            try await w.sync.apply(userId: bob, domainId: w.domainId)
            #expect(await w.pbxForward("1002", .noAnswer) == "1001")
            // The server-run rules stay active though their PBX forward went.
            try await w.settle()
            #expect(try await w.rules(bob).filter { $0.source == .user }.allSatisfy(\.active))
        }
    }
}

extension TelephonyWorld {
    fileprivate var store: any TenantStore { server.services.rules.store }

    fileprivate var sync: SimpleRuleSync {
        let rules = server.services.rules
        return SimpleRuleSync(store: rules.store, gateway: rules.gateway, events: rules.events, plans: rules.plans)
    }

    /// Stores a simple rule of `userId`'s own.
    fileprivate func insertRule(
        _ userId: Int64,
        _ type: ForwardingKind,
        _ destination: RuleDestination,
        active: Bool = true,
        priority: Int = 1
    ) async throws -> ForwardingRule {
        let rule = ForwardingRule(
            companyId: companyId,
            domainId: domainId,
            owner: .user(userId),
            imposed: false,
            name: "\(type.rawValue) rule \(priority)",
            kind: .simple,
            active: active,
            priority: priority,
            source: .user,
            action: RuleAction(type: type, destination: destination),
            updatedAt: Date()
        )
        return try await store.write { tx in try tx.insert(rule) }
    }

    fileprivate func updateRule(_ rule: ForwardingRule) async throws {
        try await store.write { tx in try tx.update(rule) }
    }

    fileprivate func rules(_ userId: Int64) async throws -> [ForwardingRule] {
        try await store.read { tx in try tx.forwardingRules(userId: userId) }
    }

    /// The destination of a device's active forward of `kind` in the PBX (nil when off).
    fileprivate func pbxForward(_ device: String, _ kind: ForwardingKind) async -> String? {
        let type: CSTAForwardingType =
            switch kind {
            case .immediate: .immediate
            case .busy: .busy
            case .noAnswer: .noAnswer
            }
        return await simulator.forwarding(of: device).first { $0.forwardingType == type && $0.forwardStatus }.map { $0.forwardDN?.number ?? "" }
    }

    /// Sets or clears a forward as the user would from their telephone: through the PBX, which reports it back.
    func setPhoneForward(_ user: String, _ device: String, _ kind: String, _ destination: String?) async throws {
        let body = destination.map { #"{"kind":"\#(kind)","enabled":true,"destination":"\#($0)"}"# } ?? #"{"kind":"\#(kind)","enabled":false}"#
        try await client.must(.put, "/api/v1/telephony/devices/\(device)/forwarding", token: token(user), json: body)
    }

    /// Lets the forwarding events already reported be taken in: a forward of carol's, switched on and off, has been
    /// through the same queue once her line shows it off again.
    fileprivate func settle() async throws {
        try await setPhoneForward("carol", "1003", "busy", "1001")
        try await eventually("carol's rule from the telephone") {
            try await rules(userId("carol")).contains { $0.active && $0.action.type == .busy }
        }
        try await setPhoneForward("carol", "1003", "busy", nil)
        try await eventually("carol's rule off") { try await rules(userId("carol")).allSatisfy { !$0.active } }
    }
}

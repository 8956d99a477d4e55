import Domain
import Foundation
import Testing

@testable import Storage

/// The rule engine's stored decisions on real SQLite (migration v11): one per call and device, the no-answer timers a
/// restart re-arms, pruning by age, and the call-log line of a call a rule forwarded away.
@Suite struct RuleExecutionRecordsTests {
    struct World {
        let companyId: Int64
        let domainId: Int64
        let userId: Int64
    }

    func world(_ store: AppDatabase) async throws -> World {
        try await store.write { tx in
            let company = try tx.insert(Company(name: "Acme"))
            let domain = try tx.insert(CompanyDomain(companyId: company.id!, name: "Acme HQ", numberingPlanLength: 4))
            let user = try tx.insert(User(companyId: company.id!, domainId: domain.id!, username: "alice"))
            _ = try tx.insert(Device(companyId: company.id!, domainId: domain.id!, userId: user.id!, number: "1001"))
            return World(companyId: company.id!, domainId: domain.id!, userId: user.id!)
        }
    }

    func execution(_ w: World, call: String, stage: RuleExecution.Stage, at time: Date) -> RuleExecution {
        RuleExecution(
            domainId: w.domainId,
            callId: call,
            device: "1001",
            userId: w.userId,
            ruleId: 7,
            ruleName: "To the mobile",
            type: stage == .waitingNoAnswer ? .noAnswer : .immediate,
            stage: stage,
            deadline: stage == .waitingNoAnswer ? time.addingTimeInterval(15) : nil,
            destination: stage == .forwarded ? "00699887766" : nil,
            chain: ["1001"],
            callerNumber: "0612345678",
            createdAt: time
        )
    }

    @Test func aCallHasOneDecisionPerDeviceAndWaitingTimersAreFoundAgain() async throws {
        let store = try AppDatabase.inMemory()
        let w = try await world(store)
        let now = Date()
        let waiting = try await store.write { tx in try tx.insert(execution(w, call: "c1", stage: .waitingNoAnswer, at: now)) }
        await #expect(throws: DomainError.self) {
            try await store.write { tx in _ = try tx.insert(execution(w, call: "c1", stage: .forwarded, at: now)) }
        }
        let (found, timers) = try await store.read { tx in
            (try tx.ruleExecution(domainId: w.domainId, callId: "c1", device: "1001"), try tx.waitingRuleExecutions())
        }
        #expect(found?.stage == .waitingNoAnswer && found?.chain == ["1001"] && found?.type == .noAnswer)
        #expect(timers.map(\.id) == [waiting.id])
        var fired = waiting
        fired.stage = .forwarded
        fired.destination = "1003"
        try await store.write { [fired] tx in try tx.update(fired) }
        #expect(try await store.read { tx in try tx.waitingRuleExecutions() }.isEmpty)
        #expect(try await store.read { tx in try tx.ruleExecutions(domainId: w.domainId, callId: "c1") }.map(\.destination) == ["1003"])
    }

    @Test func decisionsOlderThanTheCutOffArePruned() async throws {
        let store = try AppDatabase.inMemory()
        let w = try await world(store)
        let now = Date()
        try await store.write { tx in
            _ = try tx.insert(execution(w, call: "old", stage: .forwarded, at: now.addingTimeInterval(-2 * 86_400)))
            _ = try tx.insert(execution(w, call: "new", stage: .forwarded, at: now))
        }
        let pruned = try await store.write { tx in try tx.deleteRuleExecutions(before: now.addingTimeInterval(-86_400)) }
        #expect(pruned == 1)
        #expect(try await store.read { tx in try tx.ruleExecution(domainId: w.domainId, callId: "old", device: "1001") } == nil)
        #expect(try await store.read { tx in try tx.ruleExecution(domainId: w.domainId, callId: "new", device: "1001") } != nil)
    }

    @Test func theCallLogLineOfACallARuleForwardedNamesTheRule() async throws {
        let store = try AppDatabase.inMemory()
        let w = try await world(store)
        let now = Date()
        try await store.write { tx in
            _ = try tx.insert(execution(w, call: "forwarded", stage: .forwarded, at: now))
            _ = try tx.insert(execution(w, call: "prevented", stage: .loopPrevented, at: now))
        }
        let calls = ["forwarded", "prevented", "plain"].map {
            FinishedCall(device: "1001", callId: $0, direction: .incoming, peerNumber: "0612345678", startedAt: now, answeredAt: nil, endedAt: now)
        }
        let lines = try await store.writeLines(for: calls, names: [:], domainId: w.domainId)
        let marks = Dictionary(uniqueKeysWithValues: lines.map { ($0.callId, $0) })
        #expect(
            marks["forwarded"]?.ruleId == 7 && marks["forwarded"]?.ruleName == "To the mobile" && marks["forwarded"]?.ruleDestination == "00699887766"
        )
        #expect(marks["prevented"]?.ruleName == nil && marks["plain"]?.ruleName == nil)
        let stored = try await store.read { tx in try tx.callLogEntry(id: marks["forwarded"]!.id!) }
        #expect(stored?.ruleName == "To the mobile" && stored?.ruleDestination == "00699887766")
    }
}

import Domain
import Foundation

// Filters and orders as in Storage's GRDBTransaction+RuleExecutionRecords.swift.

extension InMemoryTransaction: RuleExecutionRecords {
    func ruleExecution(domainId: Int64, callId: String, device: String) throws -> RuleExecution? {
        rows(RuleExecution.self).first { $0.domainId == domainId && $0.callId == callId && $0.device == device }
    }

    func ruleExecutions(domainId: Int64, callId: String) throws -> [RuleExecution] {
        rows(RuleExecution.self).filter { $0.domainId == domainId && $0.callId == callId }.sorted { ($0.id ?? 0) < ($1.id ?? 0) }
    }

    func waitingRuleExecutions() throws -> [RuleExecution] {
        rows(RuleExecution.self).filter { $0.stage == .waitingNoAnswer }.sorted { ($0.id ?? 0) < ($1.id ?? 0) }
    }

    func insert(_ execution: RuleExecution) throws -> RuleExecution { try inserted(execution) }
    func update(_ execution: RuleExecution) throws { try updated(execution) }

    func deleteRuleExecutions(before date: Date) throws -> Int {
        try deleteAll(RuleExecution.self) { $0.createdAt < date }
    }
}

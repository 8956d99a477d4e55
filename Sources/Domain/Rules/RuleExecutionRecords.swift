import Foundation

/// Where the rule engine keeps its decisions (`RuleExecution`), so that they outlive a restart. Storage implements it;
/// Domain tests use an in-memory one.
public protocol RuleExecutionRecords {
    /// The decision for `callId` at `device`, if one was taken.
    func ruleExecution(domainId: Int64, callId: String, device: String) throws -> RuleExecution?
    /// Every decision taken for `callId`, oldest first (the devices a call went through by rules).
    func ruleExecutions(domainId: Int64, callId: String) throws -> [RuleExecution]
    /// The no-answer timers still running, oldest first.
    func waitingRuleExecutions() throws -> [RuleExecution]
    func insert(_ execution: RuleExecution) throws -> RuleExecution
    func update(_ execution: RuleExecution) throws
    /// Forgets decisions taken before `date`; answers how many.
    @discardableResult func deleteRuleExecutions(before date: Date) throws -> Int
}

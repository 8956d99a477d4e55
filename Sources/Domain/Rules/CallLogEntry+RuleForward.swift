import Foundation

extension CallLogEntry {
    /// Marks the line of a call that a rule forwarded away from its device (issue 18: call logs mark calls forwarded by
    /// a rule), from the engine's decision for that call and device; nothing for any other decision.
    public mutating func markForwarded(by execution: RuleExecution?) {
        guard let execution, execution.stage == .forwarded else { return }
        ruleId = execution.ruleId
        ruleName = execution.ruleName
        ruleDestination = execution.destination
    }
}

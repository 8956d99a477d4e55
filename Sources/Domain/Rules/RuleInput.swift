/// A rule as a client writes it (REST `ForwardingRuleInput`, SOAP `RuleInput`): everything but its owner, priority
/// bookkeeping and source, which the service decides.
public struct RuleInput: Sendable, Equatable {
    public var name: String
    public var kind: RuleKind
    /// Defaults to true.
    public var active: Bool
    /// Where the rule goes among its owner's rules (1 first); nil: last on creation, where it was on replacement.
    public var priority: Int?
    public var action: RuleAction
    public var conditions: RuleConditions?

    public init(name: String, kind: RuleKind, active: Bool = true, priority: Int? = nil, action: RuleAction, conditions: RuleConditions? = nil) {
        self.name = name
        self.kind = kind
        self.active = active
        self.priority = priority
        self.action = action
        self.conditions = conditions
    }
}

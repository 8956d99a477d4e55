/// A stored rule as clients see it: the rule and, for an imposed one, who it is imposed on (by name).
public struct RuleView: Sendable, Equatable {
    /// Who an imposed rule is imposed on.
    public struct Imposer: Sendable, Equatable {
        public var owner: RuleOwner
        /// The user's display name or the group's name.
        public var name: String

        public init(owner: RuleOwner, name: String) {
            self.owner = owner
            self.name = name
        }
    }

    public var rule: ForwardingRule
    /// Nil for a user's own rule.
    public var imposedOn: Imposer?

    public init(rule: ForwardingRule, imposedOn: Imposer? = nil) {
        self.rule = rule
        self.imposedOn = imposedOn
    }
}

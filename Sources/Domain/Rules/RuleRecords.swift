/// What forwarding rules need stored (admin guide 9.6). Storage implements it; Domain tests use an in-memory one.
public protocol RuleRecords {
    func forwardingRule(id: Int64) throws -> ForwardingRule?
    /// A user's rules (their own and those imposed on them alone): imposed ones first, then by priority, then by id.
    func forwardingRules(userId: Int64) throws -> [ForwardingRule]
    /// The rules imposed on these groups, by group id, then priority, then id.
    func forwardingRules(groupIds: [Int64]) throws -> [ForwardingRule]
    func insert(_ rule: ForwardingRule) throws -> ForwardingRule
    func update(_ rule: ForwardingRule) throws
    @discardableResult func deleteForwardingRule(id: Int64) throws -> Bool
}

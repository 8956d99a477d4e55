import Domain

// Filters and orders as in Storage's GRDBTransaction+RuleRecords.swift.

extension InMemoryTransaction: RuleRecords {
    func forwardingRule(id: Int64) throws -> ForwardingRule? { rows(ForwardingRule.self).first { $0.id == id } }

    func forwardingRules(userId: Int64) throws -> [ForwardingRule] {
        rows(ForwardingRule.self).filter { $0.userId == userId }.sorted { a, b in
            if a.imposed != b.imposed { return a.imposed }
            return (a.priority, a.id ?? 0) < (b.priority, b.id ?? 0)
        }
    }

    func forwardingRules(groupIds: [Int64]) throws -> [ForwardingRule] {
        rows(ForwardingRule.self).filter { $0.groupId.map(groupIds.contains) ?? false }.sorted { a, b in
            (a.groupId ?? 0, a.priority, a.id ?? 0) < (b.groupId ?? 0, b.priority, b.id ?? 0)
        }
    }

    func insert(_ rule: ForwardingRule) throws -> ForwardingRule { try inserted(rule) }
    func update(_ rule: ForwardingRule) throws { try updated(rule) }
    func deleteForwardingRule(id: Int64) throws -> Bool { try deleted(ForwardingRule.self, id: id) }
}

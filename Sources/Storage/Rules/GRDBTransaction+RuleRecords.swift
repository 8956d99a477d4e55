import Domain
import GRDB

extension ForwardingRule: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "forwarding_rule"
    public enum Columns {
        static let id = Column("id")
        static let companyId = Column("companyId")
        static let userId = Column("userId")
        static let groupId = Column("groupId")
        static let imposed = Column("imposed")
        static let active = Column("active")
        static let priority = Column("priority")
    }
}

extension GRDBTransaction: RuleRecords {
    public func forwardingRule(id: Int64) throws -> ForwardingRule? { try record(id: id) }

    public func forwardingRules(userId: Int64) throws -> [ForwardingRule] {
        typealias Columns = ForwardingRule.Columns
        return try all(ForwardingRule.filter(Columns.userId == userId).order(Columns.imposed.desc, Columns.priority, Columns.id))
    }

    public func forwardingRules(groupIds: [Int64]) throws -> [ForwardingRule] {
        typealias Columns = ForwardingRule.Columns
        guard !groupIds.isEmpty else { return [] }
        return try all(ForwardingRule.filter(groupIds.contains(Columns.groupId)).order(Columns.groupId, Columns.priority, Columns.id))
    }

    public func insert(_ rule: ForwardingRule) throws -> ForwardingRule { try inserted(rule) }
    public func update(_ rule: ForwardingRule) throws { try updated(rule) }
    public func deleteForwardingRule(id: Int64) throws -> Bool { try deleted(ForwardingRule.self, id: id) }
}

import Domain
import Foundation
import GRDB

extension RuleExecution: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "rule_execution"
    public enum Columns {
        static let id = Column("id")
        static let domainId = Column("domainId")
        static let callId = Column("callId")
        static let device = Column("device")
        static let stage = Column("stage")
        static let createdAt = Column("createdAt")
    }
}

extension GRDBTransaction: RuleExecutionRecords {
    public func ruleExecution(domainId: Int64, callId: String, device: String) throws -> RuleExecution? {
        typealias Columns = RuleExecution.Columns
        return try RuleExecution.filter(Columns.domainId == domainId && Columns.callId == callId && Columns.device == device).fetchOne(db)
    }

    public func ruleExecutions(domainId: Int64, callId: String) throws -> [RuleExecution] {
        typealias Columns = RuleExecution.Columns
        return try all(RuleExecution.filter(Columns.domainId == domainId && Columns.callId == callId).order(Columns.id))
    }

    public func waitingRuleExecutions() throws -> [RuleExecution] {
        typealias Columns = RuleExecution.Columns
        return try all(RuleExecution.filter(Columns.stage == RuleExecution.Stage.waitingNoAnswer.rawValue).order(Columns.id))
    }

    public func insert(_ execution: RuleExecution) throws -> RuleExecution { try inserted(execution) }
    public func update(_ execution: RuleExecution) throws { try updated(execution) }

    public func deleteRuleExecutions(before date: Date) throws -> Int {
        try translate { try RuleExecution.filter(RuleExecution.Columns.createdAt < date).deleteAll(db) }
    }
}

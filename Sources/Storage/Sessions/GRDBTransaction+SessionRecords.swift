import Domain
import GRDB

extension Session: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "session"
}

extension GRDBTransaction: SessionRecords {
    public func session(id: Int64) throws -> Session? { try record(id: id) }
    public func insert(_ record: Session) throws -> Session { try inserted(record) }
    public func update(_ record: Session) throws { try updated(record) }
    public func deleteSession(id: Int64) throws -> Bool { try deleted(Session.self, id: id) }
}

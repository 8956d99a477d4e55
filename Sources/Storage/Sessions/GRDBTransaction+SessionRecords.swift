import Domain
import GRDB

extension Session: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "session"
    public enum Columns {
        static let id = Column("id")
        static let tokenId = Column("tokenId")
        static let kind = Column("kind")
        static let subjectId = Column("subjectId")
    }
}

extension GRDBTransaction: SessionRecords {
    public func session(id: Int64) throws -> Session? { try record(id: id) }
    public func insert(_ record: Session) throws -> Session { try inserted(record) }
    public func update(_ record: Session) throws { try updated(record) }
    public func deleteSession(id: Int64) throws -> Bool { try deleted(Session.self, id: id) }

    public func session(tokenId: String) throws -> Session? {
        try cachedOne("SELECT * FROM \(Session.self) WHERE \(Session.Columns.tokenId) = \(tokenId)")
    }

    public func sessions(kind: Session.Kind, subjectId: Int64) throws -> [Session] {
        typealias Columns = Session.Columns
        return try cachedAll(
            "SELECT * FROM \(Session.self) WHERE \(Columns.kind) = \(kind.rawValue) AND \(Columns.subjectId) = \(subjectId) ORDER BY \(Columns.id)"
        )
    }

    public func sessions(kind: Session.Kind, subjectIds: [Int64]) throws -> [Session] {
        typealias Columns = Session.Columns
        return try cachedAll(
            "SELECT * FROM \(Session.self) WHERE \(Columns.kind) = \(kind.rawValue) AND \(Columns.subjectId.among(subjectIds)) ORDER BY \(Columns.id)"
        )
    }

    public func deleteSessions(kind: Session.Kind, subjectId: Int64) throws {
        try translate { _ = try Session.filter(Session.Columns.kind == kind.rawValue && Session.Columns.subjectId == subjectId).deleteAll(db) }
    }
}

import Domain
import GRDB

extension CallLogEntry: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "call_log"
    public enum Columns {
        static let id = Column("id")
        static let userId = Column("userId")
        static let domainId = Column("domainId")
        static let kind = Column("kind")
        static let startedAt = Column("startedAt")
        static let peerNumber = Column("peerNumber")
        static let device = Column("device")
    }
}

extension UserPresence: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "user_presence"
    public enum Columns {
        static let id = Column("id")
        static let domainId = Column("domainId")
        static let userId = Column("userId")
    }
}

extension GRDBTransaction: TelephonyRecords {
    public func callLogEntry(id: Int64) throws -> CallLogEntry? { try record(id: id) }
    public func insert(_ record: CallLogEntry) throws -> CallLogEntry { try inserted(record) }
    public func update(_ record: CallLogEntry) throws { try updated(record) }
    public func deleteCallLogEntry(id: Int64) throws -> Bool { try deleted(CallLogEntry.self, id: id) }

    public func userPresence(id: Int64) throws -> UserPresence? { try record(id: id) }
    public func insert(_ record: UserPresence) throws -> UserPresence { try inserted(record) }
    public func update(_ record: UserPresence) throws { try updated(record) }
    public func deleteUserPresence(id: Int64) throws -> Bool { try deleted(UserPresence.self, id: id) }

    public func callLog(userId: Int64, kind: CallLogKind?, _ page: PageRequest) throws -> Page<CallLogEntry> {
        typealias Columns = CallLogEntry.Columns
        var request = CallLogEntry.filter(Columns.userId == userId)
        if let kind { request = request.filter(Columns.kind == kind.rawValue) }
        return try self.page(
            request.order(Columns.startedAt.collating(.nocase).desc, Columns.id.desc), page, searching: [Columns.peerNumber, Columns.device]
        )
    }

    public func callLogEntries(domainId: Int64) throws -> [CallLogEntry] {
        typealias Columns = CallLogEntry.Columns
        return try all(CallLogEntry.filter(Columns.domainId == domainId).order(Columns.startedAt.collating(.nocase).desc, Columns.id.desc))
    }

    public func userPresence(userId: Int64) throws -> UserPresence? {
        try cachedOne("SELECT * FROM \(UserPresence.self) WHERE \(UserPresence.Columns.userId) = \(userId)")
    }

    public func userPresences(domainId: Int64) throws -> [UserPresence] {
        try cachedAll("SELECT * FROM \(UserPresence.self) WHERE \(UserPresence.Columns.domainId) = \(domainId) ORDER BY \(UserPresence.Columns.id)")
    }
}

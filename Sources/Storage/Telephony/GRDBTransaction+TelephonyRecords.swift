import Domain
import GRDB

extension CallLogEntry: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "call_log"
}

extension UserPresence: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "user_presence"
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
}

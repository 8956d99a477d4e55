import Domain
import GRDB

/// A Domain record as GRDB reads and writes it: one table, an integer primary key `id` that the insert assigns.
/// Records go through their Codable form (nested values as JSON text) unless they write their columns themselves.
protocol StorageRecord: FetchableRecord, MutablePersistableRecord {
    var id: Int64? { get set }
}

extension StorageRecord {
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension GRDBTransaction {
    /// The record with this primary key, if any.
    func record<R: StorageRecord>(id: Int64) throws -> R? {
        try cachedOne("SELECT * FROM \(R.self) WHERE id = \(id)")
    }

    func inserted<R: StorageRecord>(_ record: R) throws -> R {
        try translate {
            var record = record
            try record.insert(db)
            return record
        }
    }

    /// Updates every column of a stored record; `notFound` when it is gone.
    func updated<R: StorageRecord>(_ record: R) throws {
        try translate { try record.update(db) }
    }

    func deleted<R: StorageRecord>(_ type: R.Type, id: Int64) throws -> Bool {
        try translate { try R.deleteOne(db, key: id) }
    }
}

import Domain
import Foundation
import GRDB

/// Wraps any Domain record so GRDB can fetch and persist it through its Codable support;
/// Domain stays free of GRDB types.
struct RecordBox<R: StoredRecord>: FetchableRecord, MutablePersistableRecord, Codable {
    var value: R

    static var databaseTableName: String { R.table }

    init(_ value: R) { self.value = value }
    init(from decoder: any Decoder) throws { value = try R(from: decoder) }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }

    mutating func didInsert(_ inserted: InsertionSuccess) { value.id = inserted.rowID }
}

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

    /// `ColumnRecord`s read their columns themselves; the others through Codable.
    init(row: Row) throws {
        if let type = R.self as? any ColumnRecord.Type {
            value = try type.init(row: GRDBStoreRow(row: row)) as! R  // swiftlint:disable:this force_cast (R is that type)
        } else {
            value = try FetchableRecordDecoder().decode(Self.self, from: row).value
        }
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { value.id = inserted.rowID }
}

/// A GRDB row as Domain's `StoreRow`.
struct GRDBStoreRow: StoreRow {
    let row: Row

    func int(_ column: String) -> Int64? { row[column] }
    func text(_ column: String) -> String? { row[column] }
}

import Domain
import Foundation

/// A Domain record kept by `InMemoryStore`: one table of the SQLite schema (`Sources/Storage/Migrations.swift`), its
/// integer primary key `id` assigned on insert.
protocol MemoryRecord: Sendable {
    var id: Int64? { get set }
    /// The table's name, unique keys and foreign keys, as the migrations declare them.
    static var schema: TableSchema<Self> { get }
    /// The record as SQLite gives it back: the same values, but top-level dates at the millisecond, as GRDB stores a
    /// `Date` ("yyyy-MM-dd HH:mm:ss.SSS").
    var storedForm: Self { get }
}

extension MemoryRecord {
    var storedForm: Self { self }
}

/// What the schema says of one table, for the checks a write makes.
struct TableSchema<Row>: Sendable {
    let name: String
    var unique: [UniqueKey<Row>] = []
    var references: [Reference<Row>] = []
}

/// A UNIQUE constraint or unique index: the columns (for the conflict's message) and the row's values in them, each
/// compared with its column's collation; a NULL value never conflicts, as in SQLite.
struct UniqueKey<Row>: Sendable {
    let columns: [String]
    let values: @Sendable (Row) -> [ColumnValue?]

    init(_ columns: [String], _ values: @escaping @Sendable (Row) -> [ColumnValue?]) {
        self.columns = columns
        self.values = values
    }
}

/// A foreign key: the column, the table it names, and what deleting that table's row does to this one.
struct Reference<Row>: Sendable {
    enum OnDelete: Sendable {
        case cascade
        case setNull(@Sendable (inout Row) -> Void)
    }

    let column: String
    let table: String
    let value: @Sendable (Row) -> Int64?
    let onDelete: OnDelete

    static func cascade(_ column: String, to table: String, _ value: @escaping @Sendable (Row) -> Int64?) -> Reference {
        Reference(column: column, table: table, value: value, onDelete: .cascade)
    }

    static func setNull(
        _ column: String,
        to table: String,
        _ value: @escaping @Sendable (Row) -> Int64?,
        clear: @escaping @Sendable (inout Row) -> Void
    ) -> Reference {
        Reference(column: column, table: table, value: value, onDelete: .setNull(clear))
    }
}

/// A column value as SQLite compares it in a key: an integer, or text byte for byte (BINARY, the default) or with
/// the 26 ASCII letters folded (NOCASE; SQLite folds nothing else).
enum ColumnValue: Hashable, Sendable {
    case integer(Int64)
    case text([UInt8])

    static func binary(_ text: String) -> ColumnValue { .text(Array(text.utf8)) }
    static func noCase(_ text: String) -> ColumnValue { .text(SQLiteText.noCase(text)) }
    static func id(_ value: Int64?) -> ColumnValue? { value.map(ColumnValue.integer) }
}

/// The table's rows by id, and the largest id it ever gave (AUTOINCREMENT: ids are never reused, even after a delete).
struct MemoryTable<Row: MemoryRecord>: ErasedTable {
    var rows: [Int64: Row] = [:]
    var lastId: Int64 = 0

    var name: String { Row.schema.name }

    /// Every row in id order, as a scan of the table reads them.
    var all: [Row] { rows.keys.sorted().map { rows[$0]! } }

    func contains(id: Int64) -> Bool { rows[id] != nil }

    mutating func applyDeletion(of parent: String, ids: Set<Int64>) -> (deleted: Set<Int64>, changed: Bool) {
        var deleted = Set<Int64>()
        var changed = false
        for reference in Row.schema.references where reference.table == parent {
            for id in rows.keys.sorted() {
                guard let row = rows[id], let value = reference.value(row), ids.contains(value) else { continue }
                switch reference.onDelete {
                case .cascade:
                    rows[id] = nil
                    deleted.insert(id)
                case .setNull(let clear):
                    var row = row
                    clear(&row)
                    rows[id] = row
                }
                changed = true
            }
        }
        return (deleted, changed)
    }
}

/// A table whatever its row type, for what deleting a row does to the tables that refer to it.
protocol ErasedTable: Sendable {
    var name: String { get }
    func contains(id: Int64) -> Bool
    /// Deletes (ON DELETE CASCADE) or clears (ON DELETE SET NULL) the rows whose foreign key names one of `ids` of
    /// table `parent`; answers the ids deleted and whether any row changed.
    mutating func applyDeletion(of parent: String, ids: Set<Int64>) -> (deleted: Set<Int64>, changed: Bool)
}

/// SQLite's text comparisons, byte for byte on UTF-8 as SQLite compares (Swift's `==` would equate canonically
/// equivalent strings, which SQLite does not).
enum SQLiteText {
    /// NOCASE: the 26 ASCII upper-case letters folded, nothing else.
    static func noCase(_ text: String) -> [UInt8] {
        text.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }
    }

    static func equal(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }

    static func equalNoCase(_ a: String, _ b: String) -> Bool { noCase(a) == noCase(b) }

    /// `value LIKE '%text%' ESCAPE '\'` with `%`, `_` and `\` of `text` escaped (`GRDBTransaction.page`): `text`
    /// anywhere in `value`, ASCII letters without case (SQLite's LIKE folds no other letter); NULL never matches.
    static func like(_ value: String?, contains text: String) -> Bool {
        guard let value else { return false }
        let needle = noCase(text)
        guard !needle.isEmpty else { return true }
        let haystack = noCase(value)
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) {
            return true
        }
        return false
    }
}

/// One term of an ORDER BY: a key and its direction.
struct SortTerm<Row> {
    enum Key: Comparable {
        /// SQLite sorts NULL first.
        case null
        case integer(Int64)
        case text([UInt8])

        static func < (a: Key, b: Key) -> Bool {
            switch (a, b) {
            case (.null, .null): false
            case (.null, _): true
            case (_, .null): false
            case (.integer(let x), .integer(let y)): x < y
            case (.integer, .text): true
            case (.text, .integer): false
            case (.text(let x), .text(let y)): x.lexicographicallyPrecedes(y)
            }
        }
    }

    let key: (Row) -> Key
    var descending = false

    /// `column.collating(.nocase).asc`: the admin lists' order of names.
    static func caseless(_ text: @escaping (Row) -> String?) -> SortTerm {
        SortTerm { text($0).map { .text(SQLiteText.noCase($0)) } ?? .null }
    }

    static func integer(_ value: @escaping (Row) -> Int64?) -> SortTerm {
        SortTerm { value($0).map(Key.integer) ?? .null }
    }

    /// A date column as GRDB stores it (text that sorts as the time does, to the millisecond), newest first.
    static func newestFirst(_ date: @escaping (Row) -> Date) -> SortTerm {
        SortTerm(key: { .integer(Date.millisecondsSince1970(date($0))) }, descending: true)
    }
}

extension SortTerm where Row: MemoryRecord {
    static var id: SortTerm { .integer(\.id) }
    static var idDescending: SortTerm { SortTerm(key: { .integer($0.id ?? 0) }, descending: true) }
}

extension Array {
    /// The rows in the order of an ORDER BY of these terms (a stable sort: rows the terms leave tied keep the order
    /// they came in, the id order of a table scan).
    func ordered(by terms: [SortTerm<Element>]) -> [Element] {
        let keyed = enumerated().map { offset, row in (keys: terms.map { $0.key(row) }, offset: offset, row: row) }
        return keyed.sorted { a, b in
            for (index, term) in terms.enumerated() where a.keys[index] != b.keys[index] {
                return term.descending ? b.keys[index] < a.keys[index] : a.keys[index] < b.keys[index]
            }
            return a.offset < b.offset
        }.map(\.row)
    }
}

extension Array {
    /// `LIMIT n`: at most `n` rows, every row when `n` is negative (as SQLite reads a negative limit).
    func limited(to limit: Int) -> [Element] { limit < 0 ? self : Array(prefix(limit)) }
}

extension Date {
    /// Milliseconds since 1970 as GRDB writes a date ("yyyy-MM-dd HH:mm:ss.SSS" in UTC: the fraction truncated).
    static func millisecondsSince1970(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The date as GRDB reads it back from its column.
    var storedInSQLite: Date { Date(timeIntervalSince1970: Double(Date.millisecondsSince1970(self)) / 1000) }
}

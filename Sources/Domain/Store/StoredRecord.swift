import Foundation

/// A record kept by the store: a Codable value in one table with an integer primary key.
///
/// Domain declares records as plain values; Storage maps them to tables generically, so a new
/// record needs a migration and nothing else.
public protocol StoredRecord: Codable, Sendable {
    /// The table holding records of this type.
    static var table: String { get }
    /// The primary key; nil until inserted.
    var id: Int64? { get set }
}

/// A record that belongs to exactly one company; every query on it is filtered by company.
public protocol CompanyScoped: StoredRecord {
    var companyId: Int64 { get }
}

/// A record that lists and reads its own columns, so storage skips the Codable coders: a directory synchronisation
/// writes 500,000 contacts, and a search page decodes 17 of them, and Codable (with a JSONDecoder per nested value)
/// took a fifth of either. The values must be what the Codable encoding stores (nested values as JSON text with
/// sorted keys), so both ways of writing read back the same.
public protocol ColumnRecord: StoredRecord {
    /// The table's columns other than `id`, in the order of `columnValues`.
    static var columnNames: [String] { get }
    var columnValues: [StoreValue] { get }
    init(row: some StoreRow) throws
}

/// A `ColumnRecord` whose table has an FTS5 index (content table = the record's table, rowid = id) and a boolean
/// `indexedInBatch` column that makes the table's insert trigger leave the row to `StoreTransaction.insertAll`.
public protocol SearchIndexedRecord: ColumnRecord {
    /// The FTS5 table.
    static var searchIndex: String { get }
    /// Its columns, each a column of the record's table.
    static var searchColumns: [String] { get }
}

/// One row of a table, read by column name.
public protocol StoreRow {
    /// The integer in `column`; nil when it is NULL or absent.
    func int(_ column: String) -> Int64?
    /// The text in `column`; nil when it is NULL or absent.
    func text(_ column: String) -> String?
}

extension StoreRow {
    /// The text in a NOT NULL column.
    public func requiredText(_ column: String) throws -> String {
        guard let value = text(column) else { throw StoreRowError(column: column) }
        return value
    }

    public func requiredInt(_ column: String) throws -> Int64 {
        guard let value = int(column) else { throw StoreRowError(column: column) }
        return value
    }
}

/// A row lacks a column its record needs: the schema and the record disagree.
public struct StoreRowError: Error, CustomStringConvertible {
    public var column: String
    public init(column: String) { self.column = column }
    public var description: String { "the row has no value in column \(column)" }
}

/// A value a query compares a column with.
public enum StoreValue: Sendable, Hashable {
    case int(Int64)
    case text(String)
    case bool(Bool)
    case null
}

/// One condition of a `RecordQuery`.
public enum StoreFilter: Sendable {
    /// column = value
    case equals(String, StoreValue)
    /// column <> value (NULL never matches)
    case notEquals(String, StoreValue)
    /// column IN (values); an empty list matches nothing.
    case within(String, [StoreValue])
    /// Any of the columns contains the text (case-insensitive, LIKE with escaping).
    case contains([String], String)
}

/// A query over one table: filters joined with AND, an order, and an optional page.
public struct RecordQuery: Sendable {
    public var filters: [StoreFilter]
    /// Columns to sort by; `-column` sorts descending.
    public var orderBy: [String]
    public var offset: Int
    public var limit: Int?

    public init(_ filters: [StoreFilter] = [], orderBy: [String] = ["id"], offset: Int = 0, limit: Int? = nil) {
        self.filters = filters
        self.orderBy = orderBy
        self.offset = offset
        self.limit = limit
    }

    /// A query filtered on one column.
    public static func equals(_ column: String, _ value: StoreValue) -> RecordQuery { RecordQuery([.equals(column, value)]) }
}

/// The operations Domain needs inside one database transaction.
///
/// Everything a write does (checks and changes) runs in one `TenantStore.write` closure, so a
/// check such as "licences left" and the insert it guards cannot interleave with another write.
public protocol StoreTransaction: TenancyRecords, SessionRecords, UserRecords, RightsRecords, ParameterRecords, PbxRecords, DirectoryRecords,
    UserImportRecords, TelephonyRecords, ContactIndex
{
    func fetchOne<R: StoredRecord>(_ type: R.Type, id: Int64) throws -> R?
    func fetchAll<R: StoredRecord>(_ type: R.Type, _ query: RecordQuery) throws -> [R]
    func count<R: StoredRecord>(_ type: R.Type, _ query: RecordQuery) throws -> Int
    /// Inserts and returns the record with its new id.
    func insert<R: StoredRecord>(_ record: R) throws -> R
    /// Inserts records in one go and returns them with their ids. For a `SearchIndexedRecord`, the full-text index
    /// gets the whole batch in one statement instead of one per row (a directory synchronisation's hot path).
    func insertAll<R: StoredRecord>(_ records: [R]) throws -> [R]
    func update<R: StoredRecord>(_ record: R) throws
    /// Deletes by primary key; false when nothing was deleted.
    @discardableResult func delete<R: StoredRecord>(_ type: R.Type, id: Int64) throws -> Bool
    @discardableResult func deleteAll<R: StoredRecord>(_ type: R.Type, _ query: RecordQuery) throws -> Int
    /// Sets `column` to `value` on every record the query's filters select; returns how many. For stamps such as a
    /// synchronisation generation, where rewriting whole rows would also rewrite their full-text index entries.
    @discardableResult func updateAll<R: StoredRecord>(_ type: R.Type, _ query: RecordQuery, set column: String, to value: StoreValue) throws -> Int
    /// Records found by a full-text query: `index` is an FTS5 table whose rowid is the record's id, `match` an FTS5
    /// query built by Domain (never raw user text), filtered by `query.filters` and paged by its limit and offset.
    /// With `weights` (one bm25 weight per indexed column) the best matches come first, at the cost of scoring every
    /// match; without, they come in id order and the query stops at the limit.
    func search<R: StoredRecord>(_ type: R.Type, index: String, match: String, weights: [Double], _ query: RecordQuery) throws -> [R]
    /// The ids and one text column of the records a full-text query finds (as `search` without weights, in id order):
    /// enough to rank many matches without reading whole records.
    func searchColumn<R: StoredRecord>(_ type: R.Type, index: String, match: String, column: String, _ query: RecordQuery) throws
        -> [(id: Int64, text: String)]
}

/// The tenant database: reads and writes, each write one transaction.
public protocol TenantStore: Sendable {
    /// Moves after every committed write to the tables that rights, parameters, directory settings and dialing plans
    /// live in: what is derived from them may be kept while it stays the same (`VersionedCache`).
    var configurationVersion: UInt64 { get }
    /// Moves after every committed write to sessions and users (and the companies, domains and administrator accounts
    /// they belong to): a session check may be kept while it stays the same.
    var sessionVersion: UInt64 { get }
    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T
    func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T
}

extension StoreTransaction {
    /// The first record matching a query, if any.
    public func first<R: StoredRecord>(_ type: R.Type, _ query: RecordQuery) throws -> R? {
        var query = query
        query.limit = 1
        return try fetchAll(type, query).first
    }
}

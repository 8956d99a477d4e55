import Domain

/// Domain's `StoreTransaction` over a copy of `InMemoryStore`'s tables: the store keeps the copy when a write's body
/// returns, and drops it when the body throws. The capability protocols are implemented in the extensions beside
/// this file (`InMemoryTransaction+Users.swift`, …); this file holds what every table shares: ids, constraints,
/// cascades and paging, with the answers `GRDBTransaction.translate` gives.
final class InMemoryTransaction: StoreTransaction {
    /// A write inside `read`: SQLite refuses it (`SQLITE_READONLY`), and so does this store.
    struct ReadOnly: Error, CustomStringConvertible {
        var table: String
        var description: String { "attempt to write table \(table) in a read transaction" }
    }

    private(set) var database: MemoryDatabase
    /// The tables this transaction changed (cascades included): what moves the store's versions on commit.
    private(set) var touched: Set<String> = []
    let writable: Bool

    init(_ database: MemoryDatabase, writable: Bool) {
        self.database = database
        self.writable = writable
    }

    // MARK: Reads

    /// Every row of a table, in id order.
    func rows<R: MemoryRecord>(_ type: R.Type = R.self) -> [R] { database.table(R.self).all }

    func row<R: MemoryRecord>(id: Int64) -> R? { database.table(R.self).rows[id] }

    // MARK: Writes

    /// INSERT: the next id (or the one given), then the unique keys, then the foreign keys, as SQLite checks them.
    func inserted<R: MemoryRecord>(_ record: R) throws -> R {
        try requireWritable(R.self)
        var record = record.storedForm
        do {
            // A block of its own: holding the table while `modify` below changes it would copy every row.
            let table = database.table(R.self)
            if let id = record.id {
                guard table.rows[id] == nil else { throw Self.alreadyExists(["id"]) }
            } else {
                // AUTOINCREMENT: one more than the largest id the table ever held.
                record.id = max(table.lastId, table.rows.keys.max() ?? 0) + 1
            }
            try checkUnique(record, in: table)
        }
        try checkReferences(record)
        let id = record.id!
        database.modify(R.self) { table in
            table.rows[id] = record
            table.lastId = max(table.lastId, id)
        }
        touched.insert(R.schema.name)
        return record
    }

    /// UPDATE of every column: `notFound("Object")` when the row is gone (GRDB's `recordNotFound`).
    func updated<R: MemoryRecord>(_ record: R) throws {
        try requireWritable(R.self)
        let record = record.storedForm
        guard let id = record.id, database.table(R.self).rows[id] != nil else { throw DomainError.notFound("Object") }
        try checkUnique(record, in: database.table(R.self))
        try checkReferences(record)
        database.modify(R.self) { $0.rows[id] = record }
        touched.insert(R.schema.name)
    }

    /// DELETE of one row and what its foreign keys do; false when there was no such row.
    func deleted<R: MemoryRecord>(_ type: R.Type, id: Int64) throws -> Bool {
        try deleteAll(R.self) { $0.id == id } > 0
    }

    /// DELETE … WHERE: answers how many rows of the table went (not counting cascades).
    @discardableResult
    func deleteAll<R: MemoryRecord>(_ type: R.Type, where predicate: (R) -> Bool) throws -> Int {
        try requireWritable(R.self)
        let ids = Set(database.table(R.self).rows.values.filter(predicate).compactMap(\.id))
        guard !ids.isEmpty else { return 0 }
        database.modify(R.self) { table in
            for id in ids { table.rows[id] = nil }
        }
        touched.insert(R.schema.name)
        database.cascade(from: R.schema.name, ids: ids, touched: &touched)
        return ids.count
    }

    /// UPDATE … SET … WHERE on columns no constraint involves; answers how many rows matched.
    func updateAll<R: MemoryRecord>(_ type: R.Type, where predicate: (R) -> Bool, _ change: (inout R) -> Void) throws -> Int {
        try requireWritable(R.self)
        let ids = database.table(R.self).rows.values.filter(predicate).compactMap(\.id)
        guard !ids.isEmpty else { return 0 }
        database.modify(R.self) { table in
            for id in ids { change(&table.rows[id]!) }
        }
        touched.insert(R.schema.name)
        return ids.count
    }

    // MARK: Paging

    /// One page of `rows` (already filtered and ordered) and the total they make, narrowed by the page's search
    /// text: any of `searching` contains it, ASCII letters without case (`GRDBTransaction.page`'s LIKE).
    func page<R>(_ rows: [R], _ page: PageRequest, searching fields: [(R) -> String?]) -> Page<R> {
        var rows = rows
        if let text = page.search, !fields.isEmpty {
            rows = rows.filter { row in fields.contains { SQLiteText.like($0(row), contains: text) } }
        }
        let items = Array(rows.dropFirst(page.offset).prefix(page.limit))
        return Page(items: items, total: rows.count, offset: page.offset, limit: page.limit)
    }

    // MARK: Constraints

    private func requireWritable<R: MemoryRecord>(_ type: R.Type) throws {
        guard writable else { throw ReadOnly(table: R.schema.name) }
    }

    private func checkUnique<R: MemoryRecord>(_ record: R, in table: MemoryTable<R>) throws {
        for key in R.schema.unique {
            let values = key.values(record)
            guard !values.contains(where: { $0 == nil }) else { continue }
            if table.rows.values.contains(where: { $0.id != record.id && key.values($0) == values }) {
                throw Self.alreadyExists(key.columns)
            }
        }
    }

    private func checkReferences<R: MemoryRecord>(_ record: R) throws {
        for reference in R.schema.references {
            guard let parent = reference.value(record) else { continue }
            guard database.contains(table: reference.table, id: parent) else {
                throw DomainError.conflict(code: "reference_missing", "A referenced object does not exist")
            }
        }
    }

    /// The conflict `GRDBTransaction.translate` makes of "UNIQUE constraint failed: user.domainId, user.username":
    /// the columns named, but for those ending in `Id` ("key" when none is left).
    static func alreadyExists(_ columns: [String]) -> DomainError {
        let named = columns.filter { !$0.hasSuffix("Id") }
        return DomainError.conflict(
            code: "already_exists",
            "An object with the same \(named.isEmpty ? "key" : named.joined(separator: ", ")) already exists"
        )
    }
}

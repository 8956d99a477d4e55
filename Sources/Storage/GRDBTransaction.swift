import Domain
import GRDB

/// Domain's `StoreTransaction` over one GRDB database connection inside a transaction.
struct GRDBTransaction: StoreTransaction {
    let db: Database

    func fetchOne<R: StoredRecord>(_ type: R.Type, id: Int64) throws -> R? {
        try translate {
            let statement = try db.cachedStatement(sql: "SELECT * FROM \(R.table.quotedDatabaseIdentifier) WHERE id = ?")
            return try RecordBox<R>.fetchOne(statement, arguments: [id])?.value
        }
    }

    func fetchAll<R: StoredRecord>(_ type: R.Type, _ query: RecordQuery) throws -> [R] {
        try translate {
            let sql = RecordSQL(query)
            var arguments = sql.arguments
            var text = "SELECT * FROM \(R.table.quotedDatabaseIdentifier)\(sql.whereClause)\(sql.orderClause)"
            if let limit = query.limit {
                text += " LIMIT ? OFFSET ?"
                _ = arguments.append(contentsOf: [limit, query.offset])
            }
            return try RecordBox<R>.fetchAll(db.cachedStatement(sql: text), arguments: arguments).map(\.value)
        }
    }

    func count<R: StoredRecord>(_ type: R.Type, _ query: RecordQuery) throws -> Int {
        try translate {
            let sql = RecordSQL(query)
            let statement = try db.cachedStatement(sql: "SELECT COUNT(*) FROM \(R.table.quotedDatabaseIdentifier)\(sql.whereClause)")
            return try Int.fetchOne(statement, arguments: sql.arguments) ?? 0
        }
    }

    func insert<R: StoredRecord>(_ record: R) throws -> R {
        try translate {
            if let columns = record as? any ColumnRecord {
                var inserted = record
                inserted.id = try insertColumns(of: columns, into: R.table, markedForBatch: false)
                return inserted
            }
            var box = RecordBox(record)
            try box.insert(db)
            return box.value
        }
    }

    func insertAll<R: StoredRecord>(_ records: [R]) throws -> [R] {
        guard let indexed = R.self as? any SearchIndexedRecord.Type, !records.isEmpty else { return try records.map(insert) }
        return try translate {
            let table = R.table.quotedDatabaseIdentifier
            var inserted: [R] = []
            inserted.reserveCapacity(records.count)
            for var record in records {
                // Safe: R is the SearchIndexedRecord type checked above.
                let columns = record as! any ColumnRecord  // swiftlint:disable:this force_cast
                record.id = try insertColumns(of: columns, into: R.table, markedForBatch: true)
                inserted.append(record)
            }
            // One statement indexes the batch: the rows this call marked, found by their ids.
            let columns = indexed.searchColumns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
            let ids = inserted.compactMap(\.id)
            try db.cachedStatement(
                sql: """
                    INSERT INTO \(indexed.searchIndex.quotedDatabaseIdentifier) (rowid, \(columns))
                    SELECT id, \(columns) FROM \(table) WHERE id BETWEEN ? AND ? AND indexedInBatch
                    """
            ).execute(arguments: [ids.min()!, ids.max()!])
            guard db.changesCount == ids.count else {
                throw DatabaseError(resultCode: .SQLITE_INTERNAL, message: "indexed \(db.changesCount) of \(ids.count) rows of a batch")
            }
            return inserted
        }
    }

    /// Inserts a `ColumnRecord`'s id and columns and returns its row id; `markedForBatch` also sets `indexedInBatch`.
    private func insertColumns(of record: any ColumnRecord, into table: String, markedForBatch: Bool) throws -> Int64 {
        let statement = try db.cachedStatement(sql: Self.insertSQL(table, type(of: record).columnNames, markedForBatch: markedForBatch))
        try statement.execute(arguments: StatementArguments([record.id.databaseValue] + record.columnValues.map(\.databaseValue)))
        return db.lastInsertedRowID
    }

    /// `INSERT` of the id and the columns; `markedForBatch` also sets `indexedInBatch` (see `insertAll`).
    private static func insertSQL(_ table: String, _ columns: [String], markedForBatch: Bool) -> String {
        let names = (["id"] + columns + (markedForBatch ? ["indexedInBatch"] : [])).map(\.quotedDatabaseIdentifier).joined(separator: ", ")
        let values = Array(repeating: "?", count: columns.count + 1) + (markedForBatch ? ["1"] : [])
        return "INSERT INTO \(table.quotedDatabaseIdentifier) (\(names)) VALUES (\(values.joined(separator: ", ")))"
    }

    func update<R: StoredRecord>(_ record: R) throws {
        try translate {
            if let columns = record as? any ColumnRecord, let id = record.id {
                let assignments = type(of: columns).columnNames.map { "\($0.quotedDatabaseIdentifier) = ?" }.joined(separator: ", ")
                let statement = try db.cachedStatement(sql: "UPDATE \(R.table.quotedDatabaseIdentifier) SET \(assignments) WHERE id = ?")
                try statement.execute(arguments: StatementArguments(columns.columnValues.map(\.databaseValue) + [id.databaseValue]))
                guard db.changesCount > 0 else { throw DomainError.notFound("Object") }
                return
            }
            try RecordBox(record).update(db)
        }
    }

    func delete<R: StoredRecord>(_ type: R.Type, id: Int64) throws -> Bool {
        try translate { try RecordBox<R>.deleteOne(db, key: id) }
    }

    func deleteAll<R: StoredRecord>(_ type: R.Type, _ query: RecordQuery) throws -> Int {
        try translate {
            let sql = RecordSQL(query)
            try db.cachedStatement(sql: "DELETE FROM \(R.table.quotedDatabaseIdentifier)\(sql.whereClause)").execute(arguments: sql.arguments)
            return db.changesCount
        }
    }

    func updateAll<R: StoredRecord>(_ type: R.Type, _ query: RecordQuery, set column: String, to value: StoreValue) throws -> Int {
        try translate {
            let sql = RecordSQL(query)
            var arguments: StatementArguments = [value.databaseValue]
            _ = arguments.append(contentsOf: sql.arguments)
            let text = "UPDATE \(R.table.quotedDatabaseIdentifier) SET \(column.quotedDatabaseIdentifier) = ?\(sql.whereClause)"
            try db.cachedStatement(sql: text).execute(arguments: arguments)
            return db.changesCount
        }
    }

    func search<R: StoredRecord>(_ type: R.Type, index: String, match: String, weights: [Double], _ query: RecordQuery) throws -> [R] {
        try translate {
            let (text, arguments) = searchStatement(R.self, index: index, match: match, weights: weights, selecting: "record.*", query)
            return try RecordBox<R>.fetchAll(db.cachedStatement(sql: text), arguments: arguments).map(\.value)
        }
    }

    func searchColumn<R: StoredRecord>(_ type: R.Type, index: String, match: String, column: String, _ query: RecordQuery) throws
        -> [(id: Int64, text: String)]
    {
        try translate {
            let selecting = "record.id, record.\(column.quotedDatabaseIdentifier)"
            let (text, arguments) = searchStatement(R.self, index: index, match: match, weights: [], selecting: selecting, query)
            return try Row.fetchAll(db.cachedStatement(sql: text), arguments: arguments).map { row in (row[0], row[1] ?? "") }
        }
    }

    private func searchStatement<R: StoredRecord>(
        _ type: R.Type,
        index: String,
        match: String,
        weights: [Double],
        selecting: String,
        _ query: RecordQuery
    ) -> (String, StatementArguments) {
        let sql = RecordSQL(query, table: "record")
        let table = index.quotedDatabaseIdentifier
        // Without weights, rows come in rowid order and SQLite stops at the limit; bm25 must score every match.
        // Its weights are part of the statement text: they come from Domain constants, never from a request.
        let order = weights.isEmpty ? "\(table).rowid" : "bm25(\(table)" + weights.map { ", \($0)" }.joined() + ")"
        let filters = sql.whereClause.isEmpty ? "" : " AND " + sql.whereClause.dropFirst(" WHERE ".count)
        let text = """
            SELECT \(selecting) FROM \(table) JOIN \(R.table.quotedDatabaseIdentifier) AS record ON record.id = \(table).rowid
            WHERE \(table) MATCH ?\(filters) ORDER BY \(order) LIMIT ? OFFSET ?
            """
        var arguments: StatementArguments = [match]
        _ = arguments.append(contentsOf: sql.arguments)
        _ = arguments.append(contentsOf: [query.limit ?? -1, query.offset])
        return (text, arguments)
    }

    /// Turns constraint violations into the domain's `conflict` errors; other errors pass through.
    func translate<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            switch error.extendedResultCode {
            case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY:
                throw DomainError.conflict(code: "already_exists", "An object with the same \(Self.columns(of: error)) already exists")
            case .SQLITE_CONSTRAINT_FOREIGNKEY:
                throw DomainError.conflict(code: "reference_missing", "A referenced object does not exist")
            default:
                throw DomainError.conflict(code: "constraint_violation", "The change breaks a data constraint")
            }
        } catch let error as RecordError {
            if case .recordNotFound = error { throw DomainError.notFound("Object") }
            throw error
        }
    }

    /// "UNIQUE constraint failed: user.domainId, user.username" → "username".
    private static func columns(of error: DatabaseError) -> String {
        guard let message = error.message, let range = message.range(of: "failed: ") else { return "key" }
        let columns = message[range.upperBound...].split(separator: ",").compactMap { $0.split(separator: ".").last.map(String.init) }
            .filter { !$0.hasSuffix("Id") }
        return columns.isEmpty ? "key" : columns.joined(separator: ", ")
    }
}

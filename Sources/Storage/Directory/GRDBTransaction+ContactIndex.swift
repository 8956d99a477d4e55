import Domain
import Foundation
import GRDB
import GRDBSQLite

/// The contact index over SQLite FTS5: `contact_fts` indexes the contact table's search columns (external content,
/// rowid = contact id; triggers keep it in step, `insertBatch` writes a batch's entries itself).
extension GRDBTransaction: ContactIndex {
    public func contacts(matching match: ContactMatch, companyId: Int64, scopes: [String], limit: Int) throws -> [Contact] {
        try translate {
            if let ids = wordIndexIds(match, companyId: companyId, scopes: scopes, limit: limit) {
                guard !ids.isEmpty else { return [] }
                // In the order the index gives, stored order, as FTS5 answers.
                return try contacts(ids: ids).sorted { $0.id! < $1.id! }
            }
            let (sql, arguments) = Self.search(selecting: Self.contactSelection, match, companyId: companyId, scopes: scopes, limit: limit)
            return try Self.orderedContacts(db.cachedStatement(sql: sql), arguments: arguments)
        }
    }

    /// The contacts a statement selecting `Contact.selection(of:)` reads, decoded by position as SQLite steps
    /// (`Contact.init(selectedColumnsOf:)`), without GRDB's row cursor.
    private static func orderedContacts(_ statement: Statement, arguments: StatementArguments) throws -> [Contact] {
        try statement.setArguments(arguments)
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        var contacts: [Contact] = []
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_ROW: contacts.append(try Contact(selectedColumnsOf: handle))
            case SQLITE_DONE: return contacts
            case let code:
                let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
            }
        }
    }

    private static let contactSelection = Contact.selection(of: "record")

    public func contactNames(matching match: ContactMatch, companyId: Int64, scopes: [String], limit: Int) throws -> [(id: Int64, name: String)] {
        try translate {
            if let ids = wordIndexIds(match, companyId: companyId, scopes: scopes, limit: limit) {
                guard !ids.isEmpty else { return [] }
                let sql = "SELECT id, searchName FROM contact WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id"
                return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: [JSONList.text(ids)]).map { row in (row[0], row[1] ?? "") }
            }
            let (sql, arguments) = Self.search(selecting: "record.id, record.searchName", match, companyId: companyId, scopes: scopes, limit: limit)
            return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { row in (row[0], row[1] ?? "") }
        }
    }

    /// The ids a search of words or a lookup by phone keys finds, from the index's terms in memory
    /// (`ContactWordIndex`) when they are current and every word or key folds to a term there; nil otherwise, and
    /// FTS5 answers.
    private func wordIndexIds(_ match: ContactMatch, companyId: Int64, scopes: [String], limit: Int) -> [Int64]? {
        guard let contactWords else { return nil }
        switch match {
        case .words(let all, let excluding):
            guard let allTerms = Self.wordIndexTerms(all), let excludedTerms = Self.wordIndexTerms(excluding) else { return nil }
            return contactWords.ids(all: allTerms, excluding: excludedTerms, companyId: companyId, scopes: scopes, limit: limit)
        case .phoneKey(let keys):
            guard let terms = Self.phoneKeyTerms(keys) else { return nil }
            return contactWords.ids(anyOf: terms, companyId: companyId, scopes: scopes, limit: limit)
        }
    }

    /// The phone keys as terms of the index's `phoneKeys` column; nil when one is not a single term there.
    static func phoneKeyTerms(_ keys: [String]) -> [ContactWordIndex.Term]? {
        var terms: [ContactWordIndex.Term] = []
        terms.reserveCapacity(keys.count)
        for key in keys {
            guard let text = FTS5Folding.term(of: key) else { return nil }
            terms.append(ContactWordIndex.Term(text: text, columns: .phoneKey, prefix: false))
        }
        return terms
    }

    static func wordIndexTerms(_ terms: [ContactTerm]) -> [ContactWordIndex.Term]? {
        var found: [ContactWordIndex.Term] = []
        found.reserveCapacity(terms.count)
        for term in terms {
            guard let text = FTS5Folding.term(of: term.word) else { return nil }
            let columns = term.fields.reduce(into: ContactWordIndex.Columns()) { columns, field in
                switch field {
                case .name: columns.insert(.name)
                case .company: columns.insert(.company)
                case .mail: columns.insert(.mail)
                case .number: columns.insert(.number)
                }
            }
            found.append(ContactWordIndex.Term(text: text, columns: columns, prefix: term.prefix))
        }
        return found
    }

    /// A full-text search restricted to a company's readable scopes. Rows come in rowid order, so SQLite stops at the
    /// limit instead of scoring every match (ranking is the Domain's, by tiers). The statement's text depends only on
    /// what it selects, so each connection compiles it once; the scopes are bound as one JSON array.
    private static func search(
        selecting: String,
        _ match: ContactMatch,
        companyId: Int64,
        scopes: [String],
        limit: Int
    ) -> (String, StatementArguments) {
        let sql = """
            SELECT \(selecting) FROM contact_fts JOIN contact AS record ON record.id = contact_fts.rowid
            WHERE contact_fts MATCH ? AND record.companyId = ? AND record.scope IN (SELECT value FROM json_each(?))
            ORDER BY contact_fts.rowid LIMIT ?
            """
        return (sql, [FTS5Query.text(of: match), companyId, JSONList.text(scopes), limit])
    }

    public func contacts(ids: [Int64]) throws -> [Contact] {
        try translate {
            // One id, as a reverse lookup nearly always finds: without making and reading a JSON list.
            if ids.count == 1 {
                let sql = "SELECT \(Self.contactSelection) FROM contact AS record WHERE record.id = ?"
                return try Self.orderedContacts(db.cachedStatement(sql: sql), arguments: [ids[0]])
            }
            let sql = "SELECT \(Self.contactSelection) FROM contact AS record WHERE record.id IN (SELECT value FROM json_each(?))"
            return try Self.orderedContacts(db.cachedStatement(sql: sql), arguments: [JSONList.text(ids)])
        }
    }

    public func contacts(companyId: Int64, mergeKeys: [String]) throws -> [Contact] {
        try cachedAll("SELECT * FROM \(Contact.self) WHERE \(Contact.Columns.companyId) = \(companyId) AND \(Contact.Columns.mergeKey.among(mergeKeys))")
    }

    public func contacts(directoryId: Int64) throws -> [Contact] {
        try all(Contact.filter(Contact.Columns.directoryId == directoryId))
    }

    public func contacts(directoryId: Int64, externalIds: [String]) throws -> [Contact] {
        typealias Columns = Contact.Columns
        return try cachedAll("SELECT * FROM \(Contact.self) WHERE \(Columns.directoryId) = \(directoryId) AND \(Columns.externalId.among(externalIds))")
    }

    public func contacts(directoryId: Int64, _ page: PageRequest) throws -> Page<Contact> {
        typealias Columns = Contact.Columns
        return try self.page(
            Contact.filter(Columns.directoryId == directoryId).order(Columns.lastName.caseless, Columns.firstName.caseless, Columns.id),
            page,
            searching: [Columns.lastName, Columns.firstName, Columns.company, Columns.mail1]
        )
    }

    public func privateContacts(ownerUserId: Int64, directoryId: Int64) throws -> [Contact] {
        typealias Columns = Contact.Columns
        return try all(
            Contact.filter(Columns.ownerUserId == ownerUserId && Columns.directoryId == directoryId)
                .order(Columns.lastName.caseless, Columns.firstName.caseless, Columns.id)
        )
    }

    public func privateContactCount(ownerUserId: Int64) throws -> Int {
        try translate { try Contact.filter(Contact.Columns.ownerUserId == ownerUserId).fetchCount(db) }
    }

    public func insertBatch(_ contacts: [Contact]) throws -> [Int64] {
        guard !contacts.isEmpty else { return [] }
        return try translate {
            // Rows marked `indexedInBatch` are skipped by the insert trigger; one statement then indexes the batch,
            // found by its ids, instead of one index write per row (a synchronisation's hot path).
            var ids: [Int64] = []
            ids.reserveCapacity(contacts.count)
            let statement = try db.cachedStatement(sql: Self.batchInsert)
            // GRDB checks and binds the first row's arguments; every row's columns are then bound straight from the
            // contact (`bindColumns`) and the statement run by GRDB as usual. Reset first: GRDB's unchecked binding
            // traps on the error a failed last run of this cached statement left behind.
            sqlite3_reset(statement.sqliteStatement)
            statement.setUncheckedArguments(StatementArguments(contacts[0].columnValues))
            for contact in contacts {
                try contact.bindColumns(to: statement)
                try statement.execute()
                ids.append(db.lastInsertedRowID)
            }
            let columns = Contact.searchColumns.joined(separator: ", ")
            try db.cachedStatement(
                sql: """
                    INSERT INTO contact_fts (rowid, \(columns))
                    SELECT id, \(columns) FROM contact WHERE id BETWEEN ? AND ? AND indexedInBatch
                    """
            ).execute(arguments: [ids.min()!, ids.max()!])
            guard db.changesCount == ids.count else {
                throw DatabaseError(resultCode: .SQLITE_INTERNAL, message: "indexed \(db.changesCount) of \(ids.count) rows of a batch")
            }
            return ids
        }
    }

    /// An insert of a contact's columns with `indexedInBatch` set.
    private static let batchInsert =
        "INSERT INTO contact (indexedInBatch, " + Contact.columnNames.map(\.quotedDatabaseIdentifier).joined(separator: ", ") + ") VALUES (1"
        + String(repeating: ", ?", count: Contact.columnNames.count) + ")"

    public func syncStates(directoryId: Int64, externalIds: [String]) throws -> [ContactSyncState] {
        contactWords?.synchronisationCompares()
        return try translate {
            let rows = try Row.fetchCursor(
                db.cachedStatement(
                    sql: """
                        SELECT id, externalId, sourceDigest, contentHash, mergeKey, phoneKeys FROM contact
                        WHERE directoryId = ? AND externalId IN (SELECT value FROM json_each(?))
                        """
                ),
                arguments: [directoryId, JSONList.text(externalIds)]
            )
            var states: [ContactSyncState] = []
            states.reserveCapacity(externalIds.count)
            while let row = try rows.next() {
                states.append(ContactSyncState(id: row[0], externalId: row[1], sourceDigest: row[2], contentHash: row[3], mergeKey: row[4], phoneKeys: row[5]))
            }
            return states
        }
    }

    public func updateBatch(_ contacts: [Contact]) throws {
        guard !contacts.isEmpty else { return }
        try translate {
            // The same as `insertBatch` for rows that exist: their old index entries are deleted by one statement,
            // the rows rewritten with `indexedInBatch` set (the update trigger skips them, migration v20), and their
            // new entries written by one more, instead of two index writes per row by the trigger.
            let ids = JSONList.text(contacts.map { $0.id! }.sorted())
            let columns = Contact.searchColumns.joined(separator: ", ")
            try db.cachedStatement(
                sql: """
                    INSERT INTO contact_fts (contact_fts, rowid, \(columns))
                    SELECT 'delete', id, \(columns) FROM contact WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id
                    """
            ).execute(arguments: [ids])
            let statement = try db.cachedStatement(sql: Self.batchUpdate)
            // Bound like `insertBatch`'s rows; the id is the last parameter.
            sqlite3_reset(statement.sqliteStatement)
            statement.setUncheckedArguments(StatementArguments(contacts[0].columnValues + [contacts[0].id!.databaseValue]))
            let idParameter = Int32(Contact.columnNames.count + 1)
            for contact in contacts {
                try contact.bindColumns(to: statement)
                let code = sqlite3_bind_int64(statement.sqliteStatement, idParameter, contact.id!)
                guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "binding a contact's id") }
                try statement.execute()
                guard db.changesCount == 1 else { throw RecordError.recordNotFound(databaseTableName: "contact", key: ["id": contact.id!.databaseValue]) }
            }
            try db.cachedStatement(
                sql: """
                    INSERT INTO contact_fts (rowid, \(columns))
                    SELECT id, \(columns) FROM contact WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id
                    """
            ).execute(arguments: [ids])
        }
    }

    /// An update of a contact's columns with `indexedInBatch` set, by id, bound like an insert (`bindColumns`, the id
    /// last). The columns that place a contact (company, domain, directory, owner, ID in its source) are not set but
    /// checked: a synchronisation's contacts stay its directory's. Set, they cost each row four foreign-key checks
    /// and four index rewrites, about 40% of the update's time (25,000 changed rows of 500,000: 16 µs a row).
    private static let batchUpdate: String = {
        let placing: Set<String> = ["companyId", "domainId", "directoryId", "ownerUserId", "externalId"]
        let parameter = { (name: String) in Contact.columnNames.firstIndex(of: name)! + 1 }
        let set = Contact.columnNames.filter { !placing.contains($0) }.map { "\($0.quotedDatabaseIdentifier) = ?\(parameter($0))" }
        return "UPDATE contact SET indexedInBatch = 1, " + set.joined(separator: ", ")
            + " WHERE id = ?\(Contact.columnNames.count + 1) AND directoryId = ?\(parameter("directoryId")) AND externalId = ?\(parameter("externalId"))"
    }()

    public func setSourceDigests(_ digests: [(id: Int64, digest: Int64)]) throws {
        try translate {
            let statement = try db.cachedStatement(sql: "UPDATE contact SET sourceDigest = ? WHERE id = ?")
            for (id, digest) in digests { try statement.execute(arguments: [digest, id]) }
        }
    }

    public func deleteContacts(directoryId: Int64, keeping kept: Set<Int64>) throws -> Int {
        try translate {
            // The ids come from the (directoryId, externalId) index alone; most synchronisations delete few or none.
            let ids = try Int64.fetchAll(db.cachedStatement(sql: "SELECT id FROM contact WHERE directoryId = ?"), arguments: [directoryId])
            let gone = ids.filter { !kept.contains($0) }
            guard !gone.isEmpty else { return 0 }
            try db.cachedStatement(sql: "DELETE FROM contact WHERE id IN (SELECT value FROM json_each(?))").execute(arguments: [JSONList.text(gone)])
            return db.changesCount
        }
    }

    public func deleteContacts(directoryId: Int64) throws {
        try translate { _ = try Contact.filter(Contact.Columns.directoryId == directoryId).deleteAll(db) }
    }
}

import Dispatch
import Domain
import GRDB
import GRDBSQLite
import Synchronization

/// The terms of the contact search index (`contact_fts`) held in memory, with the contacts each is in, so that a
/// search of words is answered by intersecting sorted lists here rather than by FTS5 (issue 22), and a reverse lookup
/// by its phone keys' lists (FTS5 probed each segment of the index for each key: 66 µs a key at 500,000 contacts). At 500,000 contacts
/// FTS5 spent 0.5 ms of CPU intersecting the lists of two prefixes over four columns, more than slapd's whole search.
///
/// The terms are read from FTS5 itself (`contact_fts_vocab`), so they are exactly the index's; `FTS5Folding` turns a
/// search word into a term the same way. What is held in memory is a copy made at a version of the contact table:
/// when a write has changed the table since, searches go through SQLite as before, and the copy is read again once
/// writes, and a synchronisation's comparisons, have paused for `quietPeriod` (a synchronisation commits a batch at a
/// time). Nothing therefore depends on the copy for being right, only for being fast.
final class ContactWordIndex: Sendable {
    /// The contact columns a term was found in.
    struct Columns: OptionSet, Sendable {
        let rawValue: UInt8
        static let name = Columns(rawValue: 1)
        static let company = Columns(rawValue: 2)
        static let mail = Columns(rawValue: 4)
        static let number = Columns(rawValue: 8)
        /// The phone keys reverse lookups match (`ContactMatch.phoneKey`), never a word search.
        static let phoneKey = Columns(rawValue: 16)
    }

    /// One word of a search: a term (as `FTS5Folding` makes it), whole or as the start of a term, in some columns.
    struct Term: Sendable, Equatable {
        var text: String
        var columns: Columns
        var prefix: Bool
    }

    /// Moves with every committed write to what the copy holds: contacts inserted or deleted, their search columns,
    /// company or scope updated. Other updates (a synchronisation's source digests) leave the copy good.
    let version = TableVersion(
        tables: ["contact"],
        ignoredUpdates: ["contact": Set(Contact.columnNames + ["indexedInBatch"]).subtracting(ContactWordIndex.readColumns)]
    )
    static let readColumns: Set<String> = ["companyId", "scope", "searchName", "searchCompany", "searchMail", "searchNumbers", "phoneKeys"]
    /// How long writes must have paused before the copy is read again.
    static let quietPeriod: Duration = .seconds(1)
    /// Between two reads of the copy, at least this many times as long as the last one took: where contacts change
    /// every few seconds (users editing private contacts at 500,000 contacts), reading them again after each change
    /// would keep a core busy; searches go through SQLite meanwhile.
    static let readSpacing = 10

    private let writer: any DatabaseWriter
    /// The database file, read for the copy through a connection of its own that does not map it: the scan reads the
    /// whole search index, and through the pool's memory-mapped readers every page of it stayed in the server's RSS.
    private let path: String?
    private let state = Mutex<State>(State())
    /// When a synchronisation last compared source rows with the stored contacts. The copy is not read again until
    /// that has paused for `quietPeriod` too: a synchronisation that writes would leave the copy stale again at its
    /// end, and one that writes nothing (an unchanged source) competed with the read for the same cores (a fifth of a
    /// 500,000-contact re-sync's CPU).
    private let comparedAt = LastMoment()

    private struct State {
        var words: Words?
        var reading = false
        /// When the last read ended, and how long it took.
        var lastRead: (ended: ContinuousClock.Instant, took: Duration)?
    }

    init(writer: any DatabaseWriter, path: String?) {
        self.writer = writer
        self.path = path
    }

    /// The ids of `companyId`'s contacts in `scopes` that every term of `all` matches, less those that every term of
    /// `excluding` matches, ascending, at most `limit`: what `contact_fts` answers for the same terms. Nil when the
    /// copy is not that of the table's current version.
    func ids(all: [Term], excluding: [Term], companyId: Int64, scopes: [String], limit: Int) -> [Int64]? {
        current()?.ids(all: all, excluding: excluding, companyId: companyId, scopes: scopes, limit: limit)
    }

    /// The ids of `companyId`'s contacts in `scopes` that any term of `terms` matches, ascending, at most `limit`:
    /// what `contact_fts` answers for their OR. Nil when the copy is not that of the table's current version.
    func ids(anyOf terms: [Term], companyId: Int64, scopes: [String], limit: Int) -> [Int64]? {
        current()?.ids(anyOf: terms, companyId: companyId, scopes: scopes, limit: limit)
    }

    /// Called as a synchronisation compares a batch of source rows with the stored contacts (`syncStates`).
    func synchronisationCompares() { comparedAt.mark() }

    /// Whether neither a write nor a synchronisation's comparison happened within `quietPeriod`.
    private var isQuiet: Bool {
        [version.sinceLastMove, comparedAt.elapsed].allSatisfy { $0.map { $0 >= Self.quietPeriod } ?? true }
    }

    /// The copy when it is current; otherwise nil, after starting to read it again if writes and synchronisations
    /// have paused.
    private func current() -> Words? {
        let version = version.current
        return state.withLock { state -> Words? in
            if let words = state.words, words.version == version { return words }
            // A stale copy is of no use any more: its memory goes before the next one is read.
            state.words = nil
            guard !state.reading, isQuiet else { return nil }
            if let last = state.lastRead, ContinuousClock.now - last.ended < last.took * Self.readSpacing { return nil }
            state.reading = true
            // Off the cooperative pool: reading 500,000 contacts' terms takes seconds of one thread.
            DispatchQueue.global(qos: .utility).async { self.readAgain() }
            return nil
        }
    }

    /// Reads the copy now, on the calling thread (tests, and the background read).
    func readAgain() {
        // The version is taken before the read transaction starts: a write committed in between makes the copy
        // look older than it is, never newer, so it is only ever not used when it could have been.
        let version = version.current
        let start = ContinuousClock.now
        let words = try? read { db in try Words(db, version: version) }
        let end = ContinuousClock.now
        state.withLock { state in
            state.reading = false
            state.lastRead = (end, end - start)
            if let words { state.words = words }
        }
    }

    private func read(_ body: (Database) throws -> Words) throws -> Words {
        guard let path else { return try writer.read(body) }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA mmap_size = 0; PRAGMA cache_size = -2048") }
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? connection.close() }
        return try connection.read(body)
    }

    /// Whether a copy is held for the current version (tests).
    var isCurrent: Bool {
        let version = version.current
        return state.withLock { $0.words?.version == version }
    }
}

extension ContactWordIndex {
    /// One copy of the terms: every term (sorted as FTS5 sorts them: bytes, then length), the contacts it is in as
    /// positions in `ids` (ascending), and the columns it is in for each. Contacts are held as positions (`Int32`)
    /// so that a search marks them in a bit set of the table's size.
    final class Words: Sendable {
        let version: UInt64
        let termBytes: [UInt8]
        /// Where each term starts in `termBytes`, plus the end.
        let termStarts: [Int32]
        /// Where each term's contacts start in `postings`, plus the end.
        let postingStarts: [Int32]
        let postings: [Int32]
        let postingColumns: [UInt8]
        /// By position: each contact's id (ascending), and company and scope (a code of `scopeCodes`).
        let ids: [Int64]
        let scopes: [Int32]
        let scopeCodes: [Scope: Int32]

        struct Scope: Hashable {
            var companyId: Int64
            var scope: String
        }

        init(_ db: Database, version: UInt64) throws {
            self.version = version
            var ids: [Int64] = []
            var scopes: [Int32] = []
            var scopeCodes: [Scope: Int32] = [:]
            try Self.step(db, "SELECT id, companyId, scope FROM contact ORDER BY id") { row in
                ids.append(sqlite3_column_int64(row, 0))
                let scope = Scope(companyId: sqlite3_column_int64(row, 1), scope: Self.text(row, 2).map { String(decoding: $0, as: UTF8.self) } ?? "")
                let code = scopeCodes[scope] ?? Int32(scopeCodes.count)
                scopeCodes[scope] = code
                scopes.append(code)
            }
            // Room for what a directory's contacts usually hold (a few terms each, numbers and e-mail addresses mostly
            // their own): large arrays are mapped by malloc, so room never written costs no memory, and the arrays
            // are not copied as they grow (which left 130 MiB of heap for 80 MiB of terms at 500,000 contacts).
            var termBytes: [UInt8] = []
            termBytes.reserveCapacity(96 * ids.count + 4_096)
            var termStarts: [Int32] = []
            termStarts.reserveCapacity(8 * ids.count + 1_024)
            var postingStarts: [Int32] = []
            postingStarts.reserveCapacity(8 * ids.count + 1_024)
            var postings: [Int32] = []
            postings.reserveCapacity(16 * ids.count + 1_024)
            var postingColumns: [UInt8] = []
            postingColumns.reserveCapacity(16 * ids.count + 1_024)
            var termStart = -1
            var ordered = true
            // Instances come by term, then contact, then column: one posting per (term, contact), columns or-ed.
            try Self.step(
                db,
                """
                SELECT term, doc, CASE col WHEN 'searchName' THEN 1 WHEN 'searchCompany' THEN 2 WHEN 'searchMail' THEN 4
                    WHEN 'searchNumbers' THEN 8 WHEN 'phoneKeys' THEN 16 ELSE 0 END FROM contact_fts_vocab
                """
            ) { row in
                let column = UInt8(truncatingIfNeeded: sqlite3_column_int(row, 2))
                guard column != 0, let term = Self.text(row, 0) else { return }
                if termStart < 0 || !term.elementsEqual(termBytes[termStart...]) {
                    if termStart >= 0, Self.compare(termBytes[termStart...], term) >= 0 { ordered = false }
                    termStart = termBytes.count
                    termStarts.append(Int32(termStart))
                    postingStarts.append(Int32(postings.count))
                    termBytes.append(contentsOf: term)
                }
                guard let position = Self.position(of: sqlite3_column_int64(row, 1), in: ids) else { return }
                if postings.count > Int(postingStarts.last!), let last = postings.last, last >= position {
                    if last == position {
                        postingColumns[postingColumns.count - 1] |= column
                        return
                    }
                    ordered = false
                }
                postings.append(Int32(position))
                postingColumns.append(column)
            }
            // The searches below rely on FTS5's order; a copy not in it is not used (SQLite answers instead).
            guard ordered, ids.count < Int32.max, postings.count < Int32.max else {
                throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "contact terms out of order")
            }
            termStarts.append(Int32(termBytes.count))
            postingStarts.append(Int32(postings.count))
            self.termBytes = termBytes
            self.termStarts = termStarts
            self.postingStarts = postingStarts
            self.postings = postings
            self.postingColumns = postingColumns
            self.ids = ids
            self.scopes = scopes
            self.scopeCodes = scopeCodes
        }

        /// Runs `sql` and hands each row to `body`, with SQLite's API: millions of rows, no `Row` made for each.
        private static func step(_ db: Database, _ sql: String, _ body: (OpaquePointer) throws -> Void) throws {
            var statement: OpaquePointer?
            var code = sqlite3_prepare_v2(db.sqliteConnection, sql, -1, &statement, nil)
            guard code == SQLITE_OK, let statement else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "preparing \(sql)") }
            defer { sqlite3_finalize(statement) }
            while true {
                code = sqlite3_step(statement)
                guard code == SQLITE_ROW else { break }
                try body(statement)
            }
            guard code == SQLITE_DONE else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "reading \(sql)") }
        }

        private static func text(_ row: OpaquePointer, _ column: Int32) -> UnsafeBufferPointer<UInt8>? {
            guard let bytes = sqlite3_column_text(row, column) else { return nil }
            return UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(row, column)))
        }

        private static func position(of id: Int64, in ids: [Int64]) -> Int? {
            var low = 0
            var high = ids.count
            while low < high {
                let middle = (low + high) / 2
                if ids[middle] < id { low = middle + 1 } else { high = middle }
            }
            return low < ids.count && ids[low] == id ? low : nil
        }

        /// FTS5's order of terms: bytes, then the shorter first.
        private static func compare<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Int {
            for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
            return a.count == b.count ? 0 : a.count < b.count ? -1 : 1
        }

        /// The terms `term` stands for: the one equal to it, or every one starting with it (they follow each other).
        /// Binary searches over the bytes in place; a whole term (a lookup's phone keys) ends its range by a step, not
        /// a second search (the two searches were 3% of a lookup's CPU at 500,000 contacts).
        func termRange(_ term: Term) -> Range<Int> {
            var text = term.text
            return text.withUTF8 { query in
                termBytes.withUnsafeBufferPointer { bytes in
                    termStarts.withUnsafeBufferPointer { starts in
                        let count = starts.count - 1
                        // Where a term stands against the range: -1 before it, 0 in it, 1 after it.
                        func side(_ index: Int) -> Int {
                            let start = Int(starts[index])
                            let length = Int(starts[index + 1]) - start
                            var offset = 0
                            while offset < length && offset < query.count {
                                let byte = bytes[start + offset]
                                let wanted = query[offset]
                                if byte != wanted { return byte < wanted ? -1 : 1 }
                                offset += 1
                            }
                            if length < query.count { return -1 }
                            return length == query.count || term.prefix ? 0 : 1
                        }
                        func first(from low: Int, _ predicate: (Int) -> Bool) -> Int {
                            var low = low
                            var high = count
                            while low < high {
                                let middle = (low + high) / 2
                                if predicate(middle) { high = middle } else { low = middle + 1 }
                            }
                            return low
                        }
                        let lower = first(from: 0) { side($0) >= 0 }
                        guard !term.prefix else { return lower..<first(from: lower) { side($0) > 0 } }
                        var upper = lower
                        while upper < count && side(upper) == 0 { upper += 1 }
                        return lower..<upper
                    }
                }
            }
        }

        func ids(all: [Term], excluding: [Term], companyId: Int64, scopes wanted: [String], limit: Int) -> [Int64] {
            let codes = Set(wanted.compactMap { scopeCodes[Scope(companyId: companyId, scope: $0)] })
            guard !codes.isEmpty, !all.isEmpty, limit > 0 else { return [] }
            // The term with the fewest contacts first: the others then only test what it found.
            let terms = all.map { ($0, termRange($0)) }.sorted { postingCount($0.1) < postingCount($1.1) }
            var found = BitSet(count: ids.count)
            mark(terms[0].1, columns: terms[0].0.columns, into: &found, keeping: nil)
            for (term, range) in terms.dropFirst() where !found.isEmpty {
                var next = BitSet(count: ids.count)
                mark(range, columns: term.columns, into: &next, keeping: found)
                found = next
            }
            if !excluding.isEmpty, !found.isEmpty {
                var excluded = found
                for term in excluding where !excluded.isEmpty {
                    var next = BitSet(count: ids.count)
                    mark(termRange(term), columns: term.columns, into: &next, keeping: excluded)
                    excluded = next
                }
                found.subtract(excluded)
            }
            return collect(found, codes: codes, limit: limit)
        }

        func ids(anyOf terms: [Term], companyId: Int64, scopes wanted: [String], limit: Int) -> [Int64] {
            let codes = Set(wanted.compactMap { scopeCodes[Scope(companyId: companyId, scope: $0)] })
            guard !codes.isEmpty, !terms.isEmpty, limit > 0 else { return [] }
            let ranges = terms.map { (range: termRange($0), columns: $0.columns) }
            let count = ranges.reduce(0) { $0 + postingCount($1.range) }
            // A lookup's phone keys are each a few contacts': their positions, sorted, instead of clearing and then
            // scanning a bit set of every contact (62 KiB at 500,000 contacts, a twelfth of a lookup's CPU).
            if count <= Self.fewPostings {
                var positions: [Int32] = []
                positions.reserveCapacity(count)
                for (range, columns) in ranges { append(range, columns: columns, to: &positions) }
                positions.sort()
                var result: [Int64] = []
                var previous: Int32 = -1
                for position in positions where position != previous {
                    previous = position
                    guard codes.contains(scopes[Int(position)]) else { continue }
                    result.append(ids[Int(position)])
                    if result.count == limit { break }
                }
                return result
            }
            var found = BitSet(count: ids.count)
            for (range, columns) in ranges { mark(range, columns: columns, into: &found, keeping: nil) }
            return collect(found, codes: codes, limit: limit)
        }

        /// Past this many postings, `ids(anyOf:)` marks a bit set rather than sorting positions.
        static let fewPostings = 1_024

        /// The ids of the contacts in `found` whose company and scope are one of `codes`, ascending, at most `limit`.
        private func collect(_ found: BitSet, codes: Set<Int32>, limit: Int) -> [Int64] {
            var result: [Int64] = []
            found.forEach { position in
                guard codes.contains(scopes[position]) else { return true }
                result.append(ids[position])
                return result.count < limit
            }
            return result
        }

        private func postingCount(_ range: Range<Int>) -> Int {
            range.isEmpty ? 0 : Int(postingStarts[range.upperBound] - postingStarts[range.lowerBound])
        }

        /// Appends the contacts of the terms in `range` found in `columns` to `positions`.
        private func append(_ range: Range<Int>, columns: Columns, to positions: inout [Int32]) {
            guard !range.isEmpty else { return }
            for index in Int(postingStarts[range.lowerBound])..<Int(postingStarts[range.upperBound])
            where postingColumns[index] & columns.rawValue != 0 {
                positions.append(postings[index])
            }
        }

        /// Marks in `set` the contacts of the terms in `range` found in `columns`, those of `keeping` only if given.
        private func mark(_ range: Range<Int>, columns: Columns, into set: inout BitSet, keeping: BitSet?) {
            guard !range.isEmpty else { return }
            let start = Int(postingStarts[range.lowerBound])
            let end = Int(postingStarts[range.upperBound])
            postings.withUnsafeBufferPointer { postings in
                postingColumns.withUnsafeBufferPointer { postingColumns in
                    for index in start..<end where postingColumns[index] & columns.rawValue != 0 {
                        let position = Int(postings[index])
                        if let keeping, !keeping.contains(position) { continue }
                        set.insert(position)
                    }
                }
            }
        }
    }

    /// A set of contact positions.
    struct BitSet {
        private(set) var words: [UInt64]
        private(set) var isEmpty = true

        init(count: Int) { words = [UInt64](repeating: 0, count: (count + 63) / 64) }

        func contains(_ position: Int) -> Bool { words[position >> 6] & (1 << UInt64(position & 63)) != 0 }

        mutating func insert(_ position: Int) {
            words[position >> 6] |= 1 << UInt64(position & 63)
            isEmpty = false
        }

        mutating func subtract(_ other: BitSet) {
            var any = false
            for index in words.indices {
                words[index] &= ~other.words[index]
                any = any || words[index] != 0
            }
            isEmpty = !any
        }

        /// Calls `body` with each position, ascending, while it answers true.
        func forEach(_ body: (Int) -> Bool) {
            for (index, word) in words.enumerated() where word != 0 {
                var rest = word
                while rest != 0 {
                    let bit = rest.trailingZeroBitCount
                    guard body(index << 6 | bit) else { return }
                    rest &= rest - 1
                }
            }
        }
    }
}

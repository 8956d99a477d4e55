import Domain
import Foundation
import GRDB
import GRDBSQLite

/// Contacts are written by the hundred thousand during a synchronisation and read 17 to a search page: their columns
/// are written and read here instead of through the Codable coders, which took a fifth of either. `phones` and
/// `privateFields` are JSON text in the form the encoder writes (keys sorted), so either way of writing reads back the same.
extension Contact: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "contact"

    public enum Columns {
        static let id = Column("id")
        static let companyId = Column("companyId")
        static let domainId = Column("domainId")
        static let directoryId = Column("directoryId")
        static let ownerUserId = Column("ownerUserId")
        static let externalId = Column("externalId")
        static let mergeKey = Column("mergeKey")
        static let contentHash = Column("contentHash")
        static let syncGeneration = Column("syncGeneration")
        static let sourceDigest = Column("sourceDigest")
        static let phoneKeys = Column("phoneKeys")
        static let scope = Column("scope")
        static let lastName = Column("lastName")
        static let firstName = Column("firstName")
        static let company = Column("company")
        static let mail1 = Column("mail1")
        /// Set on rows a batch insert indexes itself (see `insertBatch`); the insert trigger skips them.
        static let indexedInBatch = Column("indexedInBatch")
    }

    /// The columns `contact_fts` indexes, in its order.
    static let searchColumns = ["searchName", "searchCompany", "searchMail", "searchNumbers", "phoneKeys"]

    public init(row: Row) throws { try self.init(columns: NamedColumns(row: row)) }

    /// A contact from the current row of a statement selecting `selection(of:)`, read by position straight from
    /// SQLite. Search pages and lookups read up to 17 contacts of 26 columns: by name, GRDB lower-cased and hashed
    /// each column's name for each row, and each of its row cursors built a dictionary of the statement's 26 column
    /// names (a tenth of a reverse lookup's database read).
    init(selectedColumnsOf statement: SQLiteStatement) throws { try self.init(columns: SelectedColumns(statement: statement)) }

    /// The columns of `orderedColumns` read one way or the other.
    private init(columns: some ContactColumnReader) throws {
        func text(_ index: Int) throws -> String {
            guard let text = columns.text(index) else { throw RowError(column: Self.orderedColumns[index]) }
            return text
        }
        func int(_ index: Int) throws -> Int64 {
            guard let int = columns.int(index) else { throw RowError(column: Self.orderedColumns[index]) }
            return int
        }
        self.init(
            id: columns.int(0),
            companyId: try int(1),
            domainId: try int(2),
            directoryId: try int(3),
            ownerUserId: columns.int(4),
            externalId: try text(5),
            lastName: try text(6),
            firstName: try text(7),
            company: try text(8),
            picture: try text(9),
            phones: try Self.phones(fromJSON: try text(10)),
            mail1: try text(11),
            mail2: try text(12),
            url: try text(13),
            privateFields: try Self.texts(fromJSON: try text(14)),
            vip: try text(15)
        )
        mergeKey = try text(16)
        contentHash = try text(17)
        syncGeneration = try int(18)
        searchName = try text(19)
        searchCompany = try text(20)
        searchMail = try text(21)
        searchNumbers = try text(22)
        phoneKeys = try text(23)
        scope = try text(24)
        sourceDigest = columns.int(25) ?? 0
    }

    /// `id` and the columns of `columnNames`, in the order `init(selectedColumnsOf:)` reads them.
    static let orderedColumns = ["id"] + columnNames

    /// The select list of `init(selectedColumnsOf:)`, each column qualified by `table` (the table's name or alias).
    static func selection(of table: String) -> String {
        orderedColumns.map { "\(table).\($0.quotedDatabaseIdentifier)" }.joined(separator: ", ")
    }

    /// The columns written besides `id`, in the order of `columnValues`.
    static let columnNames = [
        "companyId", "domainId", "directoryId", "ownerUserId", "externalId", "lastName", "firstName", "company", "picture", "phones",
        "mail1", "mail2", "url", "privateFields", "vip", "mergeKey", "contentHash", "syncGeneration", "searchName", "searchCompany",
        "searchMail", "searchNumbers", "phoneKeys", "scope", "sourceDigest",
    ]

    var columnValues: [DatabaseValue] {
        [
            companyId.databaseValue, domainId.databaseValue, directoryId.databaseValue, ownerUserId.databaseValue, externalId.databaseValue,
            lastName.databaseValue, firstName.databaseValue, company.databaseValue, picture.databaseValue, Self.json(phones).databaseValue,
            mail1.databaseValue, mail2.databaseValue, url.databaseValue, Self.json(privateFields).databaseValue, vip.databaseValue,
            mergeKey.databaseValue, contentHash.databaseValue, syncGeneration.databaseValue, searchName.databaseValue,
            searchCompany.databaseValue, searchMail.databaseValue, searchNumbers.databaseValue, phoneKeys.databaseValue, scope.databaseValue,
            sourceDigest.databaseValue,
        ]
    }

    /// Binds the contact's columns, in `columnNames`' order, to the parameters 1 to 25 of `statement`, straight from
    /// its fields. A synchronisation inserts 500,000 contacts: each row's 25 `DatabaseValue`s, GRDB's generic
    /// `StatementArguments` built from them and its checks of them were a tenth of its CPU (perf, issue 22). The
    /// statement is reset first (SQLite binds to a statement that is not running; a failed step was thrown already).
    func bindColumns(to statement: Statement) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        var index: Int32 = 0
        func bound(_ code: Int32) throws {
            guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "binding contact column \(index)") }
        }
        // The text's own bytes with their length: passed as a C string, a short (inline) Swift string was first
        // copied to a new array, and SQLite measured each with strlen.
        func text(_ value: String) throws {
            index += 1
            var value = value
            let code = value.withUTF8 { bytes in
                // No address (an empty text) would bind NULL: '' is bound from a literal.
                guard let start = bytes.baseAddress else { return sqlite3_bind_text(handle, index, "", 0, Self.transient) }
                return start.withMemoryRebound(to: CChar.self, capacity: bytes.count) { start in
                    sqlite3_bind_text(handle, index, start, Int32(bytes.count), Self.transient)
                }
            }
            try bound(code)
        }
        func integer(_ value: Int64?) throws {
            index += 1
            try bound(value.map { sqlite3_bind_int64(handle, index, $0) } ?? sqlite3_bind_null(handle, index))
        }
        try integer(companyId)
        try integer(domainId)
        try integer(directoryId)
        try integer(ownerUserId)
        try text(externalId)
        try text(lastName)
        try text(firstName)
        try text(company)
        try text(picture)
        try text(Self.json(phones))
        try text(mail1)
        try text(mail2)
        try text(url)
        try text(Self.json(privateFields))
        try text(vip)
        try text(mergeKey)
        try text(contentHash)
        try integer(syncGeneration)
        try text(searchName)
        try text(searchCompany)
        try text(searchMail)
        try text(searchNumbers)
        try text(phoneKeys)
        try text(scope)
        try integer(sourceDigest)
        assert(Int(index) == Self.columnNames.count, "bindColumns and columnNames disagree")
    }

    /// SQLite copies the text it is given (`SQLITE_TRANSIENT`).
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    /// A contact written one at a time: the triggers index it (`indexedInBatch` false; see migration v20).
    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        for (name, value) in zip(Self.columnNames, columnValues) { container[name] = value }
        container["indexedInBatch"] = false
    }

    /// Any select of the table, its columns found by name.
    private struct NamedColumns: ContactColumnReader {
        let row: Row
        func text(_ index: Int) -> String? { row[Contact.orderedColumns[index]] }
        func int(_ index: Int) -> Int64? { row[Contact.orderedColumns[index]] }
    }

    /// The current row of a statement selecting `selection(of:)`: column i is `orderedColumns[i]`.
    private struct SelectedColumns: ContactColumnReader {
        let statement: SQLiteStatement
        func text(_ index: Int) -> String? {
            let column = Int32(index)
            guard sqlite3_column_type(statement, column) != SQLITE_NULL, let start = sqlite3_column_text(statement, column) else { return nil }
            // The text's length before its bytes: SQLite measures it while converting, if it must.
            let count = Int(sqlite3_column_bytes(statement, column))
            return String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
        }
        func int(_ index: Int) -> Int64? {
            let column = Int32(index)
            return sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, column)
        }
    }

    /// A row lacks a column a contact needs: the schema and this mapping disagree.
    struct RowError: Error, CustomStringConvertible {
        var column: String
        var description: String { "the contact row has no value in column \(column)" }
    }

    static func phones(fromJSON text: String) throws -> [ContactPhone] {
        // Each object's three members as they come, in any order; a member twice, or another one, goes to JSONDecoder.
        try JSONText.decodeObjects(text, empty: (kind: ContactPhone.Kind?.none, number: String?.none, redListed: Bool?.none)) { fields, name, value in
            switch (name, value) {
            case ("kind", .string(let kind)) where fields.kind == nil: fields.kind = ContactPhone.Kind(rawValue: kind)
            case ("number", .string(let number)) where fields.number == nil: fields.number = number
            case ("redListed", .bool(let redListed)) where fields.redListed == nil: fields.redListed = redListed
            default: return false
            }
            return true
        } element: { fields in
            guard let kind = fields.kind, let number = fields.number, let redListed = fields.redListed else { return nil }
            return ContactPhone(kind: kind, number: number, redListed: redListed)
        }
    }

    static func texts(fromJSON text: String) throws -> [String] {
        try JSONText.decodeStrings(text)
    }

    /// Written into one string (a synchronisation writes 500,000 of each list; temporary strings were most of it).
    static func json(_ phones: [ContactPhone]) -> String {
        guard !phones.isEmpty else { return "[]" }
        var out = "["
        out.reserveCapacity(phones.count * 56)
        for (index, phone) in phones.enumerated() {
            out += index > 0 ? #",{"kind":"# : #"{"kind":"#
            JSONText.appendQuoted(phone.kind.rawValue, to: &out)
            out += #","number":"#
            JSONText.appendQuoted(phone.number, to: &out)
            out += phone.redListed ? #","redListed":true}"# : #","redListed":false}"#
        }
        out += "]"
        return out
    }

    static func json(_ texts: [String]) -> String { JSONList.text(texts) }
}

/// A contact row's columns by their position in `Contact.orderedColumns`; nil for NULL.
private protocol ContactColumnReader {
    func text(_ index: Int) -> String?
    func int(_ index: Int) -> Int64?
}

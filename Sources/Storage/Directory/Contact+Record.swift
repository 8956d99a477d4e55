import Domain
import Foundation
import GRDB

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

    public init(row: Row) throws {
        func text(_ column: String) throws -> String {
            guard let value: String = row[column] else { throw RowError(column: column) }
            return value
        }
        func int(_ column: String) throws -> Int64 {
            guard let value: Int64 = row[column] else { throw RowError(column: column) }
            return value
        }
        self.init(
            id: row["id"],
            companyId: try int("companyId"),
            domainId: try int("domainId"),
            directoryId: try int("directoryId"),
            ownerUserId: row["ownerUserId"],
            externalId: try text("externalId"),
            lastName: try text("lastName"),
            firstName: try text("firstName"),
            company: try text("company"),
            picture: try text("picture"),
            phones: try Self.phones(fromJSON: try text("phones")),
            mail1: try text("mail1"),
            mail2: try text("mail2"),
            url: try text("url"),
            privateFields: try Self.texts(fromJSON: try text("privateFields")),
            vip: try text("vip")
        )
        mergeKey = try text("mergeKey")
        contentHash = try text("contentHash")
        syncGeneration = try int("syncGeneration")
        searchName = try text("searchName")
        searchCompany = try text("searchCompany")
        searchMail = try text("searchMail")
        searchNumbers = try text("searchNumbers")
        phoneKeys = try text("phoneKeys")
        scope = try text("scope")
    }

    /// The columns written besides `id`, in the order of `columnValues`.
    static let columnNames = [
        "companyId", "domainId", "directoryId", "ownerUserId", "externalId", "lastName", "firstName", "company", "picture", "phones",
        "mail1", "mail2", "url", "privateFields", "vip", "mergeKey", "contentHash", "syncGeneration", "searchName", "searchCompany",
        "searchMail", "searchNumbers", "phoneKeys", "scope",
    ]

    var columnValues: [DatabaseValue] {
        [
            companyId.databaseValue, domainId.databaseValue, directoryId.databaseValue, ownerUserId.databaseValue, externalId.databaseValue,
            lastName.databaseValue, firstName.databaseValue, company.databaseValue, picture.databaseValue, Self.json(phones).databaseValue,
            mail1.databaseValue, mail2.databaseValue, url.databaseValue, Self.json(privateFields).databaseValue, vip.databaseValue,
            mergeKey.databaseValue, contentHash.databaseValue, syncGeneration.databaseValue, searchName.databaseValue,
            searchCompany.databaseValue, searchMail.databaseValue, searchNumbers.databaseValue, phoneKeys.databaseValue, scope.databaseValue,
        ]
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        for (name, value) in zip(Self.columnNames, columnValues) { container[name] = value }
    }

    /// A row lacks a column a contact needs: the schema and this mapping disagree.
    struct RowError: Error, CustomStringConvertible {
        var column: String
        var description: String { "the contact row has no value in column \(column)" }
    }

    static func phones(fromJSON text: String) throws -> [ContactPhone] {
        try JSONText.decodeArray(text) { value in
            guard case .object(let fields) = value, case .string(let kind)? = fields["kind"], let kind = ContactPhone.Kind(rawValue: kind),
                case .string(let number)? = fields["number"], case .bool(let redListed)? = fields["redListed"]
            else { return nil }
            return ContactPhone(kind: kind, number: number, redListed: redListed)
        }
    }

    static func texts(fromJSON text: String) throws -> [String] {
        try JSONText.decodeArray(text) { value in
            if case .string(let field) = value { field } else { nil }
        }
    }

    static func json(_ phones: [ContactPhone]) -> String {
        var out = "["
        for (index, phone) in phones.enumerated() {
            if index > 0 { out += "," }
            out += #"{"kind":"# + JSONText.quoted(phone.kind.rawValue) + #","number":"# + JSONText.quoted(phone.number)
            out += phone.redListed ? #","redListed":true}"# : #","redListed":false}"#
        }
        return out + "]"
    }

    static func json(_ texts: [String]) -> String {
        "[" + texts.map(JSONText.quoted).joined(separator: ",") + "]"
    }
}

/// The JSON of small stored values (arrays of strings, of flat objects), written and read by hand (RFC 8259).
enum JSONText {
    indirect enum Value: Equatable {
        case string(String), bool(Bool), null, number(String), array([Value]), object([String: Value])
    }

    /// The array `text` holds, each element read by `element`; JSONDecoder reads any form this reader or `element`
    /// does not know.
    static func decodeArray<T: Decodable>(_ text: String, _ element: (Value) -> T?) throws -> [T] {
        if let values = array(text) {
            let elements = values.compactMap(element)
            if elements.count == values.count { return elements }
        }
        return try JSONDecoder().decode([T].self, from: Data(text.utf8))
    }

    /// The array `text` holds; nil when it is not one, or not well-formed.
    static func array(_ text: String) -> [Value]? {
        var reader = Reader(bytes: Array(text.utf8))
        guard case .array(let values)? = reader.value(depth: 0) else { return nil }
        reader.skipSpace()
        return reader.position == reader.bytes.count ? values : nil
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        mutating func literal(_ word: String) -> Bool {
            let word = Array(word.utf8)
            guard bytes.count - position >= word.count, Array(bytes[position..<position + word.count]) == word else { return false }
            position += word.count
            return true
        }

        mutating func value(depth: Int) -> Value? {
            skipSpace()
            guard position < bytes.count, depth < 8 else { return nil }
            switch bytes[position] {
            case UInt8(ascii: "\""): return string().map(Value.string)
            case UInt8(ascii: "["):
                position += 1
                var values: [Value] = []
                if take(UInt8(ascii: "]")) { return .array(values) }
                repeat {
                    guard let value = value(depth: depth + 1) else { return nil }
                    values.append(value)
                } while take(UInt8(ascii: ","))
                return take(UInt8(ascii: "]")) ? .array(values) : nil
            case UInt8(ascii: "{"):
                position += 1
                var fields: [String: Value] = [:]
                if take(UInt8(ascii: "}")) { return .object(fields) }
                repeat {
                    skipSpace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "\""), let key = string(), take(UInt8(ascii: ":")),
                        let value = value(depth: depth + 1)
                    else { return nil }
                    fields[key] = value
                } while take(UInt8(ascii: ","))
                return take(UInt8(ascii: "}")) ? .object(fields) : nil
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            default:
                let start = position
                while position < bytes.count, "+-.0123456789eE".utf8.contains(bytes[position]) { position += 1 }
                return position > start ? .number(String(decoding: bytes[start..<position], as: UTF8.self)) : nil
            }
        }

        /// A string literal starting at `position` (its opening quote).
        mutating func string() -> String? {
            position += 1
            let start = position
            // Without escapes the literal is its bytes: the common case, copied whole.
            while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
                guard bytes[position] >= 0x20 else { return nil }
                position += 1
            }
            guard position < bytes.count else { return nil }
            if bytes[position] == UInt8(ascii: "\"") {
                position += 1
                return String(decoding: bytes[start..<position - 1], as: UTF8.self)
            }
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: String(decoding: bytes[start..<position], as: UTF8.self).unicodeScalars)
            var pendingHigh: UInt32?
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    position += 1
                    return pendingHigh == nil ? String(scalars) : nil
                }
                if byte == UInt8(ascii: "\\") {
                    guard position + 1 < bytes.count else { return nil }
                    let escape = bytes[position + 1]
                    position += 2
                    if escape == UInt8(ascii: "u") {
                        guard position + 4 <= bytes.count,
                            let unit = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
                        else { return nil }
                        position += 4
                        if let high = pendingHigh {
                            guard (0xDC00...0xDFFF).contains(unit), let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00))
                            else { return nil }
                            scalars.append(scalar)
                            pendingHigh = nil
                        } else if (0xD800...0xDBFF).contains(unit) {
                            pendingHigh = unit
                        } else {
                            guard let scalar = Unicode.Scalar(unit) else { return nil }
                            scalars.append(scalar)
                        }
                        continue
                    }
                    guard pendingHigh == nil else { return nil }
                    switch escape {
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "/"): scalars.append("/")
                    case UInt8(ascii: "b"): scalars.append("\u{08}")
                    case UInt8(ascii: "f"): scalars.append("\u{0C}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    default: return nil
                    }
                    continue
                }
                guard byte >= 0x20, pendingHigh == nil else { return nil }
                // Copy the run of plain bytes up to the next quote or escape.
                let run = position
                while position < bytes.count, bytes[position] >= 0x20, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
                    position += 1
                }
                scalars.append(contentsOf: String(decoding: bytes[run..<position], as: UTF8.self).unicodeScalars)
            }
            return nil
        }
    }

    static func quoted(_ text: String) -> String {
        // Most text needs no escape: copy it whole.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return "\"" + text + "\"" }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

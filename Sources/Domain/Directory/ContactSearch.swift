import Foundation

/// A directory search: free text over names, company, e-mail and numbers (every word a prefix, all words required),
/// or an advanced search by field (`AuthorizedAdvancedSearch`), optionally within one directory.
public struct ContactSearch: Sendable, Equatable {
    /// The fields an advanced search may name.
    public enum Field: String, Sendable, CaseIterable {
        case name, company, mail, number

        var column: String {
            switch self {
            case .name: "searchName"
            case .company: "searchCompany"
            case .mail: "searchMail"
            case .number: "searchNumbers"
            }
        }
    }

    public static let maxLimit = 100
    public static let maxOffset = 10_000
    public static let maxWords = 8

    public var text: String
    public var fields: [Field: String]
    public var directoryId: Int64?
    public var offset: Int
    public var limit: Int

    public init(text: String = "", fields: [Field: String] = [:], directoryId: Int64? = nil, offset: Int = 0, limit: Int = 20) throws(DomainError) {
        guard text.count <= 128 else { throw .invalid(field: "q", "A search takes at most 128 characters") }
        for (field, value) in fields where value.count > 128 {
            throw .invalid(field: field.rawValue, "A search takes at most 128 characters")
        }
        guard (0...Self.maxOffset).contains(offset) else { throw .invalid(field: "offset", "offset must be between 0 and \(Self.maxOffset)") }
        guard (1...Self.maxLimit).contains(limit) else { throw .invalid(field: "limit", "limit must be between 1 and \(Self.maxLimit)") }
        self.text = text
        self.fields = fields.filter { !$0.value.trimmingCharacters(in: .whitespaces).isEmpty }
        self.directoryId = directoryId
        self.offset = offset
        self.limit = limit
        guard !Self.words(text).isEmpty || self.fields.values.contains(where: { !Self.words($0).isEmpty }) else {
            throw .invalid(field: "q", "Type at least one letter or digit to search")
        }
    }

    /// The words of a search: a number written with spaces, dots, dashes or "(0)" is one word of digits; other
    /// text splits on anything that is not a letter or digit (the full-text tokenizer does the same).
    static func words(_ text: String) -> [String] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.contains(where: \.isASCIIDigit), trimmed.allSatisfy({ $0.isASCIIDigit || " +-./()".contains($0) }) {
            let digits = String(trimmed.replacingOccurrences(of: "(0)", with: "").filter(\.isASCIIDigit))
            return digits.isEmpty ? [] : [digits]
        }
        let words = trimmed.split { !($0.isLetter || $0.isNumber) }.map { String($0) }
        return Array(words.prefix(maxWords))
    }

    /// An FTS5 phrase: the word in double quotes (inner quotes doubled), as a prefix.
    static func prefixPhrase(_ word: String) -> String { "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\"*" }

    /// The FTS5 query: every word a prefix of a term of the searched columns, within the readable scopes.
    func matchExpression(scopes: [String]) -> String {
        var terms: [String] = []
        let general = "{searchName searchCompany searchMail searchNumbers}"
        for word in Self.words(text) { terms.append("\(general) : \(Self.prefixPhrase(word))") }
        for (field, value) in fields.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            for word in Self.words(value) { terms.append("\(field.column) : \(Self.prefixPhrase(word))") }
        }
        terms.append("scope : (" + scopes.map { "\"\($0)\"" }.joined(separator: " OR ") + ")")
        return terms.joined(separator: " AND ")
    }

    /// bm25 weights of contact_fts's columns: a name match counts most; the keys and scope columns not at all.
    static let weights: [Double] = [10, 4, 2, 2, 0, 0]
}

/// A page of search results; `hasMore` when a next page exists.
public struct ContactSearchResult: Sendable, Equatable {
    public var cards: [ContactCard]
    public var offset: Int
    public var limit: Int
    public var hasMore: Bool
}

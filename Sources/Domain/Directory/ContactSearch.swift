import Foundation

/// A directory search: free text over names, company, e-mail and numbers (every word a prefix, all words required),
/// or an advanced search by field (`AuthorizedAdvancedSearch`), optionally within one directory.
public struct ContactSearch: Sendable, Equatable {
    /// The fields an advanced search may name.
    public enum Field: String, Sendable, CaseIterable {
        case name, company, mail, number
    }

    public static let maxLimit = 100
    public static let maxOffset = 10_000
    public static let maxWords = 8

    public var text: String { didSet { textWords = Self.words(text) } }
    /// The words of `text`, split once: a search asks for them several times (its tiers, its candidates, its ranking).
    private(set) var textWords: [String]
    public var fields: [Field: String]
    public var directoryId: Int64?
    public var offset: Int
    public var limit: Int

    public init(text: String = "", fields: [Field: String] = [:], directoryId: Int64? = nil, offset: Int = 0, limit: Int = 20) throws(DomainError) {
        guard text.unicodeScalars.count <= 128 else { throw .invalid(field: "q", "A search takes at most 128 characters") }
        for (field, value) in fields where value.unicodeScalars.count > 128 {
            throw .invalid(field: field.rawValue, "A search takes at most 128 characters")
        }
        guard (0...Self.maxOffset).contains(offset) else { throw .invalid(field: "offset", "offset must be between 0 and \(Self.maxOffset)") }
        guard (1...Self.maxLimit).contains(limit) else { throw .invalid(field: "limit", "limit must be between 1 and \(Self.maxLimit)") }
        self.text = text
        self.textWords = Self.words(text)
        self.fields = fields.filter { !$0.value.trimmingCharacters(in: .whitespaces).isEmpty }
        self.directoryId = directoryId
        self.offset = offset
        self.limit = limit
    }

    /// A search with no letter or digit (nothing typed yet, or only punctuation) matches nothing; it is answered with
    /// an empty page rather than refused, as a search box does while its user is still typing.
    public var isEmpty: Bool { textWords.isEmpty && !fields.values.contains(where: { !Self.words($0).isEmpty }) }

    /// The words of a search: a number written with spaces, dots, dashes or "(0)" is one word of digits; other
    /// text splits on anything that is not a letter or digit (the contact index does the same).
    static func words(_ text: String) -> [String] {
        asciiWords(text) ?? unicodeWords(text)
    }

    /// `words(_:)` over bytes when the text is ASCII, as typed searches mostly are: the same words without Foundation's
    /// trimming and a split by `Character` (1.5% of a 1-word search's CPU). Nil for other text.
    static func asciiWords(_ text: String) -> [String]? {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
        }
        let bytes = Array(text.utf8)
        // `.whitespaces` among ASCII: space and tab.
        var start = bytes.startIndex, end = bytes.endIndex
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        let trimmed = bytes[start..<end]
        if trimmed.contains(where: isDigit), trimmed.allSatisfy({ isDigit($0) || " +-./()".utf8.contains($0) }) {
            var digits: [UInt8] = []
            var index = trimmed.startIndex
            while index < trimmed.endIndex {
                // "(0)" is left out, as `replacingOccurrences(of: "(0)", with: "")` does.
                if trimmed[index...].starts(with: "(0)".utf8) {
                    index += 3
                    continue
                }
                if isDigit(trimmed[index]) { digits.append(trimmed[index]) }
                index += 1
            }
            return digits.isEmpty ? [] : [String(decoding: digits, as: UTF8.self)]
        }
        let words = trimmed.split { !isAlphanumeric($0) }.prefix(maxWords).map { String(decoding: $0, as: UTF8.self) }
        return Array(words)
    }

    static func unicodeWords(_ text: String) -> [String] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.contains(where: \.isASCIIDigit), trimmed.allSatisfy({ $0.isASCIIDigit || " +-./()".contains($0) }) {
            let digits = String(trimmed.replacingOccurrences(of: "(0)", with: "").filter(\.isASCIIDigit))
            return digits.isEmpty ? [] : [digits]
        }
        let words = trimmed.split { !($0.isLetter || $0.isNumber) }.map { String($0) }
        return Array(words.prefix(maxWords))
    }

    /// The matches of the ranking tiers, best first, each excluding the ones before: every word a whole word of the
    /// name; every word the start of a word of the name; every word the start of a word of the name, company, e-mail
    /// or numbers. An advanced search is one tier. Within a tier contacts come in the order they were stored, which
    /// lets the index stop at the page's end instead of scoring every match.
    func tiers() -> [ContactMatch] {
        if !fields.isEmpty {
            let terms = fields.sorted(by: { $0.key.rawValue < $1.key.rawValue }).flatMap { field, value in
                Self.words(value).map { ContactTerm($0, in: [field], prefix: true) }
            }
            return [.words(terms, excluding: [])]
        }
        let words = textWords
        let exactName = words.map { ContactTerm($0, in: [.name], prefix: false) }
        let prefixName = words.map { ContactTerm($0, in: [.name], prefix: true) }
        let anywhere = words.map { ContactTerm($0, in: Field.allCases, prefix: true) }
        return [.words(exactName, excluding: []), .words(prefixName, excluding: exactName), .words(anywhere, excluding: prefixName)]
    }

    /// How many matches a search of several words reads at once to rank them itself; more than that and it runs the
    /// tiers. Each tier of such a search intersects the words' whole lists again, where reading the few matches of all
    /// the words once costs less: at 500,000 contacts a 3-word search went from 3.6 to 2.7 ms (p50, one client).
    /// Two words read fewer at once: when their first tier fills the page it stops early, so a search with many
    /// matches should give up on ranking soon. Measured at 100,000 contacts (issue 22), the three tiers of a 2-word
    /// search cost 0.50 ms of SQLite and the one candidates query 0.19 ms; 1-word searches have too many matches.
    public static func rankedCandidates(words: Int) -> Int { words >= 3 ? 256 : 64 }
    public static let rankedMinimumWords = 2

    /// The match every free-text result satisfies (the last tier's, without its exclusion); nil for advanced
    /// searches and those of fewer than `rankedMinimumWords` words.
    func candidates() -> ContactMatch? {
        let words = textWords
        guard fields.isEmpty, words.count >= Self.rankedMinimumWords else { return nil }
        return .words(words.map { ContactTerm($0, in: Field.allCases, prefix: true) }, excluding: [])
    }

    /// The search's words folded for `tier(ofName:words:)`, once per search rather than once per candidate.
    func foldedWords() -> [String] { textWords.map(Self.folded) }

    /// The tier of a contact the candidate query found (0 = every word a whole word of the name, 1 = the start of
    /// one, 2 = elsewhere), folding case and accents as the contact index does.
    static func tier(ofName searchName: String, words: [String]) -> Int {
        asciiTier(ofName: searchName, words: words) ?? latinTier(ofName: searchName, words: words)
            ?? unicodeTier(ofName: searchName, words: words)
    }

    static func unicodeTier(ofName searchName: String, words: [String]) -> Int {
        let name = folded(searchName).split { !($0.isLetter || $0.isNumber) }
        if words.allSatisfy({ word in name.contains { $0 == word } }) { return 0 }
        if words.allSatisfy({ word in name.contains { $0.hasPrefix(word) } }) { return 1 }
        return 2
    }

    /// `tier(ofName:words:)` over bytes when the name and the words are ASCII, as most are: the same answer without
    /// making a folded copy of each candidate's name and splitting it into strings (5% of a 2-word search).
    static func asciiTier(ofName searchName: String, words: [String]) -> Int? {
        guard searchName.utf8.allSatisfy({ $0 < 0x80 }), words.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }) else { return nil }
        var name = Array(searchName.utf8)
        for index in name.indices where name[index] >= UInt8(ascii: "A") && name[index] <= UInt8(ascii: "Z") { name[index] += 32 }
        return byteTier(ofName: name, words: words)
    }

    /// `tier(ofName:words:)` over bytes for an accented name whose every letter `latinFolding` folds to ASCII, and
    /// ASCII words: Foundation's folding of a whole name cost 3% of a 2-word search at 500,000 contacts. Nil otherwise.
    static func latinTier(ofName searchName: String, words: [String]) -> Int? {
        guard words.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }) else { return nil }
        var name: [UInt8] = []
        name.reserveCapacity(searchName.utf8.count)
        for scalar in searchName.unicodeScalars {
            if scalar.isASCII {
                let byte = UInt8(scalar.value)
                name.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte)
            } else if let folded = latinFolding[scalar.value] {
                name.append(contentsOf: folded)
            } else {
                return nil
            }
        }
        return byteTier(ofName: name, words: words)
    }

    /// Foundation's own folding of each accented Latin letter (U+00C0 to U+024F) that folds to ASCII (`é` to `e`),
    /// asked once: a name made of ASCII and these letters folds letter by letter to what Foundation makes of it
    /// whole. Letters it keeps (`ß`, `Ł`, `Æ`) are not here, nor combining marks: such names take the Unicode way.
    static let latinFolding: [UInt32: [UInt8]] = {
        var table: [UInt32: [UInt8]] = [:]
        for value in UInt32(0xC0)...0x24F {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let folded = String(scalar).folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            if !folded.isEmpty, folded.utf8.allSatisfy({ $0 < 0x80 }) { table[value] = Array(folded.utf8) }
        }
        return table
    }()

    /// The tier of a name already folded to lower-case ASCII bytes, for ASCII words.
    private static func byteTier(ofName name: [UInt8], words: [String]) -> Int {
        let parts = name.split { !(($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))) }
        if words.allSatisfy({ word in parts.contains { $0.elementsEqual(word.utf8) } }) { return 0 }
        if words.allSatisfy({ word in parts.contains { $0.starts(with: word.utf8) } }) { return 1 }
        return 2
    }

    static func folded(_ text: String) -> String {
        // Most names are ASCII: lower-casing is all they need, and Foundation's folding costs far more.
        text.utf8.allSatisfy { $0 < 0x80 } ? text.lowercased() : text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }
}

/// A page of search results; `hasMore` when a next page exists.
public struct ContactSearchResult: Sendable, Equatable {
    public var cards: [ContactCard]
    public var offset: Int
    public var limit: Int
    public var hasMore: Bool
}

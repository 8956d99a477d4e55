import Foundation
import GRDB

/// A search word as the contact index's tokenizer (`unicode61 remove_diacritics 2`) makes it a term, for the
/// in-memory word index (`ContactWordIndex`), which must find exactly the terms SQLite's query would.
///
/// ASCII letters and digits are lower-cased. Other characters are folded by a table SQLite's own tokenizer made once,
/// one character at a time, over the Latin, Greek and Cyrillic blocks; a word with any other character (or one that
/// the tokenizer would split, or not in composed form) has no term here, and its search goes through SQLite.
enum FTS5Folding {
    /// The contact index's tokenizer, as the migrations declare it.
    static let tokenizer = "unicode61 remove_diacritics 2"

    /// The term SQLite would index `word` as, or nil when this table cannot say.
    static func term(of word: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(word.utf8.count)
        var ascii = true
        for byte in word.utf8 {
            if byte >= 0x80 {
                ascii = false
            } else {
                guard let folded = asciiTerm(byte) else { return nil }
                bytes.append(folded)
            }
        }
        if ascii { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
        // Decomposed input is left to SQLite rather than folded here mark by mark.
        guard word == word.precomposedStringWithCanonicalMapping else { return nil }
        var term = ""
        for scalar in word.unicodeScalars {
            if scalar.isASCII {
                guard let folded = asciiTerm(UInt8(scalar.value)) else { return nil }
                term.unicodeScalars.append(Unicode.Scalar(folded))
            } else {
                guard let folded = table[scalar.value] else { return nil }
                term += folded
            }
        }
        return term.isEmpty ? nil : term
    }

    /// An ASCII letter or digit lower-cased; nil for anything the tokenizer would split on.
    private static func asciiTerm(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): byte
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte + 32
        default: nil
        }
    }

    /// Each character of the blocks whose term SQLite's tokenizer makes alone, one token of it.
    static let table: [UInt32: String] = {
        do {
            let probe = try DatabaseQueue()
            return try probe.write { db in
                try db.execute(
                    sql: """
                        CREATE VIRTUAL TABLE probe USING fts5(text, tokenize='\(tokenizer)');
                        CREATE VIRTUAL TABLE probe_terms USING fts5vocab(probe, instance);
                        """
                )
                let insert = try db.makeStatement(sql: "INSERT INTO probe (rowid, text) VALUES (?, ?)")
                for value in UInt32(0xA0)...0x52F {
                    guard let scalar = Unicode.Scalar(value) else { continue }
                    try insert.execute(arguments: [Int64(value), String(scalar)])
                }
                var table: [UInt32: String] = [:]
                var counts: [UInt32: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT doc, term FROM probe_terms") {
                    let value = UInt32(row[0] as Int64)
                    table[value] = row[1]
                    counts[value, default: 0] += 1
                }
                return table.filter { counts[$0.key] == 1 && !$0.value.isEmpty }
            }
        } catch {
            // Without the table every non-ASCII word goes through SQLite, which stays right.
            return [:]
        }
    }()
}

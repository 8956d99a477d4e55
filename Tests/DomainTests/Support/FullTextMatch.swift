import Domain
import Foundation

/// What SQLite's FTS5 index `contact_fts` (Migrations v4: `tokenize='unicode61 remove_diacritics 2'`) finds for a
/// `ContactMatch`, as Storage's `FTS5Query` writes it: each term a quoted phrase (`"word"`, `"word"*` for a prefix)
/// filtered to its columns, terms joined by AND, `(terms) NOT (excluded)`, and `phoneKeys : ("k1" OR "k2")`.
struct FullTextMatch {
    let match: ContactMatch

    /// Whether the contact's indexed fields (`searchName`, `searchCompany`, `searchMail`, `searchNumbers`,
    /// `phoneKeys`) match.
    func matches(_ contact: Contact) -> Bool {
        let indexed = IndexedContact(contact)
        switch match {
        case .words(let terms, let excluding):
            guard terms.allSatisfy({ indexed.matches($0) }) else { return false }
            return excluding.isEmpty || !excluding.allSatisfy { indexed.matches($0) }
        case .phoneKey(let keys):
            return keys.contains { indexed.phoneKeys.contains(phrase: Unicode61.tokens($0), prefix: false) }
        }
    }

    /// A contact's columns as the index holds them: tokens.
    private struct IndexedContact {
        let columns: [ContactSearch.Field: [String]]
        let phoneKeys: [String]

        init(_ contact: Contact) {
            columns = [
                .name: Unicode61.tokens(contact.searchName), .company: Unicode61.tokens(contact.searchCompany),
                .mail: Unicode61.tokens(contact.searchMail), .number: Unicode61.tokens(contact.searchNumbers),
            ]
            phoneKeys = Unicode61.tokens(contact.phoneKeys)
        }

        func matches(_ term: ContactTerm) -> Bool {
            let phrase = Unicode61.tokens(term.word)
            return term.fields.contains { columns[$0]?.contains(phrase: phrase, prefix: term.prefix) ?? false }
        }
    }
}

extension [String] {
    /// An FTS5 phrase: its tokens one after the other in this column, the last one only as the start of a token when
    /// `prefix`. A phrase without tokens (`""`) matches nothing.
    func contains(phrase: [String], prefix: Bool) -> Bool {
        guard !phrase.isEmpty, phrase.count <= count else { return false }
        return (0...(count - phrase.count)).contains { start in
            phrase.indices.allSatisfy { index in
                let token = self[start + index]
                return prefix && index == phrase.count - 1 ? token.hasPrefix(phrase[index]) : token == phrase[index]
            }
        }
    }
}

/// FTS5's `unicode61` tokenizer with `remove_diacritics 2`, as checked against SQLite 3.40 here: letters (L*),
/// numbers (N*) and private-use characters make tokens, anything else separates them; a token is folded to lower case
/// and Latin letters lose their diacritics ("Müller" → "muller", "Ǆ" → "ǆ"), but nothing else is decomposed or
/// transliterated ("Øre", "Łódź", "straße", "Ελλάδα", "й" and "ＡＢＣ" keep those letters). Combining diacritical
/// marks written apart are dropped inside a token ("Lefe\u{301}vre" → "lefevre").
enum Unicode61 {
    static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        var inToken = false
        func flush() {
            if inToken, !current.isEmpty { tokens.append(String(current)) }
            current = String.UnicodeScalarView()
            inToken = false
        }
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                switch scalar.value {
                case 0x41...0x5A: current.append(Unicode.Scalar(scalar.value + 0x20)!)
                case 0x61...0x7A, 0x30...0x39: current.append(scalar)
                default:
                    flush()
                    continue
                }
                inToken = true
                continue
            }
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber, .letterNumber,
                .otherNumber, .privateUse:
                for folded in scalar.properties.lowercaseMapping.unicodeScalars where !isDiacritic(folded) {
                    current.append(withoutDiacritic(folded))
                }
                inToken = true
            case .nonspacingMark:
                // A combining mark belongs to the token; a diacritic one is removed.
                if !isDiacritic(scalar) { current.append(scalar) }
                inToken = true
            default:
                flush()
            }
        }
        flush()
        return tokens
    }

    /// The combining diacritical marks that `remove_diacritics` drops.
    private static func isDiacritic(_ scalar: Unicode.Scalar) -> Bool { (0x300...0x36F).contains(scalar.value) }

    /// A Latin letter whose canonical decomposition is an ASCII letter and diacritics becomes that letter.
    private static func withoutDiacritic(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        guard (0xC0...0x24F).contains(scalar.value) || (0x1E00...0x1EFF).contains(scalar.value) else { return scalar }
        let parts = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars
        guard let base = parts.first, base.isASCII, base.properties.isAlphabetic, parts.dropFirst().allSatisfy(isDiacritic) else { return scalar }
        return base
    }
}

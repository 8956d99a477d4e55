import Domain
import Foundation
import GRDB

/// A `ContactMatch` as FTS5 query text. Words are quoted as phrases (inner quotes doubled), so user text never
/// becomes query syntax.
enum FTS5Query {
    static func text(of match: ContactMatch) -> String {
        switch match {
        case .words(let terms, let excluding):
            let all = "(\(text(of: terms)))"
            return excluding.isEmpty ? all : "\(all) NOT (\(text(of: excluding)))"
        case .phoneKey(let keys):
            return "phoneKeys : (" + keys.map(phrase).joined(separator: " OR ") + ")"
        }
    }

    private static func text(of terms: [ContactTerm]) -> String {
        terms.map { term in
            let columns = ContactSearch.Field.allCases.filter(term.fields.contains).map(column)
            let filter = columns.count == 1 ? columns[0] : "{" + columns.joined(separator: " ") + "}"
            return "\(filter) : " + phrase(term.word) + (term.prefix ? "*" : "")
        }.joined(separator: " AND ")
    }

    private static func column(_ field: ContactSearch.Field) -> String {
        switch field {
        case .name: "searchName"
        case .company: "searchCompany"
        case .mail: "searchMail"
        case .number: "searchNumbers"
        }
    }

    private static func phrase(_ word: String) -> String { "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}

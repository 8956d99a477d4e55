import Domain
import Foundation
import GRDB

/// Parameterised SQL for a `RecordQuery`. The text depends only on the query's shape (never on its
/// values), so GRDB's per-connection statement cache compiles each shape once; IN lists are bound
/// as one JSON array, keeping one statement whatever the list's length.
struct RecordSQL {
    var whereClause: String
    var orderClause: String
    var arguments: StatementArguments

    /// `table` qualifies the filter columns (a join where another table has columns of the same names).
    init(_ query: RecordQuery, table: String? = nil) {
        func name(_ column: String) -> String {
            table.map { "\($0.quotedDatabaseIdentifier).\(column.quotedDatabaseIdentifier)" } ?? column.quotedDatabaseIdentifier
        }
        var conditions: [String] = []
        var arguments = StatementArguments()
        for filter in query.filters {
            switch filter {
            case .equals(let column, .null):
                conditions.append("\(name(column)) IS NULL")
            case .equals(let column, let value):
                conditions.append("\(name(column)) = ?")
                _ = arguments.append(contentsOf: [value.databaseValue])
            case .notEquals(let column, let value):
                conditions.append("\(name(column)) <> ?")
                _ = arguments.append(contentsOf: [value.databaseValue])
            case .within(let column, let values):
                conditions.append("\(name(column)) IN (SELECT value FROM json_each(?))")
                _ = arguments.append(contentsOf: [Self.jsonArray(values)])
            case .contains(let columns, let text):
                let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_")
                conditions.append("(" + columns.map { "\(name($0)) LIKE ? ESCAPE '\\'" }.joined(separator: " OR ") + ")")
                _ = arguments.append(contentsOf: StatementArguments(Array(repeating: "%\(escaped)%", count: columns.count)))
            }
        }
        whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        orderClause =
            query.orderBy.isEmpty ? "" : " ORDER BY " + query.orderBy.map(orderTerm).joined(separator: ", ")
        self.arguments = arguments
    }

    /// `[1,2,3]` or `["a","b"]` for json_each; values come from Domain enums and ids, and strings are JSON-escaped.
    private static func jsonArray(_ values: [StoreValue]) -> String {
        let items = values.map { value -> String in
            switch value {
            case .int(let number): String(number)
            case .bool(let flag): flag ? "1" : "0"
            case .null: "null"
            case .text(let text):
                "\""
                    + text.unicodeScalars.map { scalar -> String in
                        switch scalar {
                        case "\"": "\\\""
                        case "\\": "\\\\"
                        case _ where scalar.value < 0x20: String(format: "\\u%04x", scalar.value)
                        default: String(scalar)
                        }
                    }.joined() + "\""
            }
        }
        return "[" + items.joined(separator: ",") + "]"
    }
}

extension StoreValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .int(let value): value.databaseValue
        case .text(let value): value.databaseValue
        case .bool(let value): value.databaseValue
        case .null: .null
        }
    }
}

/// `name` sorts ascending, `-name` descending (Domain's RecordQuery convention).
private func orderTerm(_ column: String) -> String {
    column.hasPrefix("-")
        ? "\(String(column.dropFirst()).quotedDatabaseIdentifier) COLLATE NOCASE DESC" : "\(column.quotedDatabaseIdentifier) COLLATE NOCASE"
}

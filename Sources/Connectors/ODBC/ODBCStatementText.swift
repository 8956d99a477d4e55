import Domain

/// The SQL a directory reads with: the administrator's `SELECT`/`WITH` query, or `SELECT *` from a checked table name.
///
/// This is a guard against mistakes and simple injection through the table field, not a sandbox: a `WITH` query
/// can still call functions, so the database account should only be allowed to read.
enum ODBCStatementText {
    /// The statement for `settings`, or `invalidSettings`.
    static func make(for settings: ODBCSourceSettings) throws(DirectorySourceError) -> String {
        let query = settings.query.trimmingCharacters(in: .whitespacesAndNewlines)
        if !query.isEmpty { return try checkedQuery(query) }
        return "SELECT * FROM " + (try checkedTable(settings.table.trimmingCharacters(in: .whitespaces)))
    }

    /// One `SELECT` or `WITH` statement; a single trailing `;` is dropped.
    static func checkedQuery(_ query: String) throws(DirectorySourceError) -> String {
        var statement = Substring(query)
        if statement.hasSuffix(";") { statement = statement.dropLast() }
        guard !statement.contains(";") else {
            throw DirectorySourceError(.invalidSettings, "the query must be a single statement (no ';' inside)")
        }
        let firstWord = statement.prefix { $0.isLetter }.lowercased()
        guard firstWord == "select" || firstWord == "with" else {
            throw DirectorySourceError(.invalidSettings, "the query must start with SELECT or WITH")
        }
        return String(statement)
    }

    /// A table name of up to three dot-separated parts (catalog.schema.table), each a plain identifier
    /// (letters, digits, `_`, `$`), a `[bracketed]` or a `"double-quoted"` one.
    static func checkedTable(_ table: String) throws(DirectorySourceError) -> String {
        let refused = DirectorySourceError(.invalidSettings, "\(table.isEmpty ? "no table given" : "'\(table)' is not a table name")")
        var parts = 0
        var rest = Substring(table)
        while true {
            guard let first = rest.first else { throw refused }
            let part: Substring
            switch first {
            case "[":
                guard let close = rest.dropFirst().firstIndex(of: "]") else { throw refused }
                part = rest[rest.startIndex...close]
                guard part.count > 2, !part.dropFirst().dropLast().contains(where: \.isNewline) else { throw refused }
            case "\"":
                // A doubled quote stands for a quote inside the identifier.
                var index = rest.index(after: rest.startIndex)
                var end: Substring.Index?
                while index < rest.endIndex {
                    if rest[index] == "\"" {
                        let next = rest.index(after: index)
                        if next < rest.endIndex && rest[next] == "\"" {
                            index = rest.index(after: next)
                            continue
                        }
                        end = index
                        break
                    }
                    index = rest.index(after: index)
                }
                guard let end else { throw refused }
                part = rest[rest.startIndex...end]
                guard part.count > 2, !part.contains(where: \.isNewline) else { throw refused }
            default:
                part = rest.prefix { $0.isLetter || ($0.isASCII && $0.isNumber) || $0 == "_" || $0 == "$" }
                guard !part.isEmpty, !(part.first!.isNumber) else { throw refused }
            }
            parts += 1
            rest = rest[part.endIndex...]
            if rest.isEmpty { break }
            guard rest.first == ".", parts < 3 else { throw refused }
            rest = rest.dropFirst()
        }
        return table
    }
}

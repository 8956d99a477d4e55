import Domain

/// An ODBC connection string as `KEY=value` attributes, parsed so that the driver it loads can be checked and
/// options added, then written back: the driver manager gets exactly what was checked.
struct ODBCConnectionString {
    struct Attribute {
        var key: String
        var value: String
    }

    /// The drivers whose defaults the connector must change to stream.
    enum DriverFamily {
        /// psqlODBC: buffers the whole result unless `UseDeclareFetch=1` (a server-side cursor).
        case postgreSQL
        /// SQLite ODBC: buffers the whole result unless `StepAPI=1`; opens a file named by `Database=`.
        case sqlite
        case other

        /// The family of a driver path, a driver name from odbcinst.ini or the name SQLGetInfo reports.
        init(driver: String) {
            let name = driver.split(separator: "/").last.map(String.init)?.lowercased() ?? ""
            if name.contains("psqlodbc") || name.hasPrefix("postgresql") {
                self = .postgreSQL
            } else if name.contains("sqlite") {
                self = .sqlite
            } else {
                self = .other
            }
        }
    }

    private(set) var attributes: [Attribute]

    /// Parses `KEY=value;KEY={value with ;};…`; a repeated key is refused, since drivers and the driver manager
    /// may disagree on which occurrence counts.
    init(parsing text: String) throws(DirectorySourceError) {
        attributes = []
        var rest = Substring(text)
        while !rest.isEmpty {
            if rest.first == ";" {
                rest = rest.dropFirst()
                continue
            }
            guard let equals = rest.firstIndex(of: "=") else {
                throw DirectorySourceError(.invalidSettings, "the connection string part '\(Self.redacted(rest))' has no '='")
            }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces)
            rest = rest[rest.index(after: equals)...]
            let value: Substring
            if rest.first == "{" {
                guard let close = rest.firstIndex(of: "}") else {
                    throw DirectorySourceError(.invalidSettings, "the value of \(key) in the connection string has no closing '}'")
                }
                value = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
                guard rest.isEmpty || rest.first == ";" else {
                    throw DirectorySourceError(.invalidSettings, "text after the '}' of \(key) in the connection string")
                }
            } else {
                value = rest.prefix { $0 != ";" }
                rest = rest[value.endIndex...]
            }
            guard !key.isEmpty else { throw DirectorySourceError(.invalidSettings, "the connection string has an empty key") }
            guard self[key] == nil else {
                throw DirectorySourceError(.invalidSettings, "\(key) appears twice in the connection string")
            }
            attributes.append(Attribute(key: key, value: String(value)))
        }
    }

    /// The value of `key` (case-insensitive).
    subscript(key: String) -> String? {
        attributes.first { $0.key.caseInsensitiveCompare(key) == .orderedSame }?.value
    }

    /// Sets `key` unless the administrator already did.
    mutating func add(_ key: String, _ value: String) throws(DirectorySourceError) {
        guard self[key] == nil else { return }
        try Self.checkWritable(key, value)
        attributes.append(Attribute(key: key, value: value))
    }

    /// Replaces the value of `key`, which must be present.
    mutating func replace(_ key: String, with value: String) throws(DirectorySourceError) {
        try Self.checkWritable(key, value)
        for index in attributes.indices where attributes[index].key.caseInsensitiveCompare(key) == .orderedSame {
            attributes[index].value = value
        }
    }

    /// The connection string as the driver manager reads it: values with `;`, leading braces or outer spaces braced.
    var text: String {
        attributes.map { attribute in
            let value = attribute.value
            let needsBraces =
                value.contains(";") || value.hasPrefix("{") || value.first?.isWhitespace == true || value.last?.isWhitespace == true
            return "\(attribute.key)=\(needsBraces ? "{\(value)}" : value)"
        }.joined(separator: ";")
    }

    /// unixODBC ends a braced value at the first `}` and has no escape for it.
    private static func checkWritable(_ key: String, _ value: String) throws(DirectorySourceError) {
        if value.contains("}") && (value.contains(";") || value.hasPrefix("{")) {
            throw DirectorySourceError(.invalidSettings, "the value of \(key) cannot be written in an ODBC connection string")
        }
    }

    /// A fragment for messages, passwords blanked.
    private static func redacted(_ part: Substring) -> String { ODBCSourceSettings.redactingPassword(String(part)) }
}

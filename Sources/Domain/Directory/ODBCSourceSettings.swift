import Foundation

/// A database reached through unixODBC (admin guide 8.4): a DSN or a driver connection string, and a table or a query.
public struct ODBCSourceSettings: Codable, Sendable, Equatable {
    /// `DSN=name;…` or `DRIVER=…;…`; `UID`/`PWD` may be given here or below.
    public var connectionString: String
    public var user: String
    public var password: String
    /// A table name (read with `SELECT *`), or empty when `query` is set.
    public var table: String
    /// A `SELECT` statement; takes precedence over `table`.
    public var query: String

    public init(connectionString: String, user: String = "", password: String = "", table: String = "", query: String = "") {
        self.connectionString = connectionString
        self.user = user
        self.password = password
        self.table = table
        self.query = query
    }

    /// `PWD=secret` (any case) in a connection string replaced by `PWD=********`.
    public static func redactingPassword(_ connectionString: String) -> String {
        connectionString.split(separator: ";", omittingEmptySubsequences: false).map { part -> String in
            let pieces = part.split(separator: "=", maxSplits: 1)
            guard pieces.count == 2, ["pwd", "password"].contains(pieces[0].trimmingCharacters(in: .whitespaces).lowercased()) else {
                return String(part)
            }
            return "\(pieces[0])=********"
        }.joined(separator: ";")
    }
}

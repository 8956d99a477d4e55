import Foundation

/// Where an external directory (or a user import) reads its rows from (admin guide 8.3, 8.4, 7.2).
/// Secrets (`password`) are write-only: the API never returns them and logs never print them.
public enum DirectoryConnection: Codable, Sendable, Equatable {
    case ldap(LDAPSourceSettings)
    case odbc(ODBCSourceSettings)
    case csv(CSVSourceSettings)

    /// The connection with its secrets blanked, for answers and logs.
    public var redacted: DirectoryConnection {
        switch self {
        case .ldap(var settings):
            settings.password = settings.password.isEmpty ? "" : "********"
            return .ldap(settings)
        case .odbc(var settings):
            settings.password = settings.password.isEmpty ? "" : "********"
            settings.connectionString = ODBCSourceSettings.redactingPassword(settings.connectionString)
            return .odbc(settings)
        case .csv: return self
        }
    }
}

/// An LDAP or Active Directory server searched with the paged-results control (admin guide 8.3 "Advanced tab").
public struct LDAPSourceSettings: Codable, Sendable, Equatable {
    /// Host name or address; an `ldap://` or `ldaps://` URL is accepted too.
    public var host: String
    public var port: Int
    /// TLS from the first byte (ldaps).
    public var ldaps: Bool
    /// Upgrade a plain connection with StartTLS before binding.
    public var startTLS: Bool
    /// PEM file of the server's CAs; empty: the system CAs.
    public var caFile: String
    /// Check the server's certificate and name; off only for tests.
    public var tlsVerify: Bool
    /// Empty: anonymous bind.
    public var bindDN: String
    public var password: String
    /// The "connection string" of the guide: the base DN searched (subtree).
    public var baseDN: String
    public var filter: String
    /// Rows per page (paged-results control); 0: no paging.
    public var pageSize: Int
    /// At most this many entries; 0: no limit.
    public var sizeLimit: Int
    public var timeoutSeconds: Int

    public init(
        host: String,
        port: Int = 389,
        ldaps: Bool = false,
        startTLS: Bool = false,
        caFile: String = "",
        tlsVerify: Bool = true,
        bindDN: String = "",
        password: String = "",
        baseDN: String,
        filter: String = "(objectClass=*)",
        pageSize: Int = 1000,
        sizeLimit: Int = 0,
        timeoutSeconds: Int = 10
    ) {
        self.host = host
        self.port = port
        self.ldaps = ldaps
        self.startTLS = startTLS
        self.caFile = caFile
        self.tlsVerify = tlsVerify
        self.bindDN = bindDN
        self.password = password
        self.baseDN = baseDN
        self.filter = filter
        self.pageSize = pageSize
        self.sizeLimit = sizeLimit
        self.timeoutSeconds = timeoutSeconds
    }
}

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

/// A CSV file (RFC 4180 quoting, quoted newlines), under the server's import folder.
public struct CSVSourceSettings: Codable, Sendable, Equatable {
    public enum Encoding: String, Codable, Sendable, CaseIterable {
        case utf8 = "UTF-8"
        case windows1252 = "Windows-1252"
        case latin1 = "ISO-8859-1"
    }
    /// Relative to the server's CSV import folder (configuration `csvImportFolder`).
    public var path: String
    /// The first row names the columns; without it columns are named "1", "2", … .
    public var headerRow: Bool
    /// One character, usually `,` or `;`.
    public var delimiter: String
    public var encoding: Encoding

    public init(path: String, headerRow: Bool = true, delimiter: String = ",", encoding: Encoding = .utf8) {
        self.path = path
        self.headerRow = headerRow
        self.delimiter = delimiter
        self.encoding = encoding
    }
}

/// One row of a source: attribute or column name, lowercased (the guide asks for lower-case LDAP names), to its
/// values. LDAP attributes may hold several values; SQL and CSV columns one. A NULL column is absent.
public struct SourceRow: Sendable, Equatable {
    public var values: [String: [String]]

    public init(_ values: [String: [String]]) { self.values = values }

    /// The first value of `name` (case-insensitive), if any.
    public subscript(name: String) -> String? { values[name]?.first ?? values[name.lowercased()]?.first }
}

/// Why a source could not be read. The message names the source's problem and never holds a password.
public struct DirectorySourceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        /// Settings the connector refuses before connecting (bad filter, unknown encoding, file outside the import folder).
        case invalidSettings = "invalid_settings"
        /// Host unreachable, DSN unknown, file missing.
        case unreachable
        /// Bind refused, database login refused.
        case authentication
        /// The source broke off or answered garbage while being read.
        case readFailed = "read_failed"
        case timeout
    }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

/// An open source being read. Calls come one at a time from one task; blocking C libraries are driven off the
/// cooperative pool by the implementation.
public protocol DirectoryReader: Sendable {
    /// The next rows, at most `limit` of them; nil once the source is exhausted.
    func next(limit: Int) async throws(DirectorySourceError) -> [SourceRow]?
    /// Releases the connection or file; called once, also after an error.
    func close() async
}

/// Opens directory sources (implemented by `Connectors`).
public protocol DirectoryConnector: Sendable {
    /// Connects (and binds, logs in or opens the file) and starts reading. `attributes` are the lowercased names the
    /// field map uses; an LDAP search asks for those only, SQL and CSV sources may return more.
    func open(_ connection: DirectoryConnection, attributes: [String]) async throws(DirectorySourceError) -> any DirectoryReader
}

extension LDAPSourceSettings {
    /// The one set of bounds for an LDAP connection, whether a directory or a user import reads it (the contract's
    /// `LDAPSourceSettings`): host and base DN are names, the filter is empty or written in parentheses (the LDAP
    /// server parses the rest and a run reports its refusal), StartTLS cannot ride on ldaps.
    func checked(_ prefix: String = "connection") throws(DomainError) -> LDAPSourceSettings {
        var settings = self
        settings.host = try Check.name(host, field: "\(prefix).host", max: 255)
        try Check.range(port, 1...65535, field: "\(prefix).port")
        guard !(ldaps && startTLS) else { throw .invalid(field: "\(prefix).startTLS", "\(prefix).startTLS cannot be used with ldaps") }
        settings.caFile = try Check.text(caFile, field: "\(prefix).caFile", max: 1024)
        settings.bindDN = try Check.text(bindDN, field: "\(prefix).bindDN", max: 1024)
        guard password.unicodeScalars.count <= 256 else { throw .invalid(field: "\(prefix).password", "\(prefix).password takes at most 256 characters") }
        settings.baseDN = try Check.name(baseDN, field: "\(prefix).baseDN", max: 1024)
        guard filter.unicodeScalars.count <= 4096, filter.isEmpty || (filter.unicodeScalars.first == "(" && filter.unicodeScalars.last == ")") else {
            throw .invalid(field: "\(prefix).filter", "\(prefix).filter is empty or an LDAP filter in parentheses, e.g. (objectClass=person)")
        }
        try Check.range(pageSize, 0...100_000, field: "\(prefix).pageSize")
        try Check.range(sizeLimit, 0...10_000_000, field: "\(prefix).sizeLimit")
        try Check.range(timeoutSeconds, 1...3600, field: "\(prefix).timeoutSeconds")
        return settings
    }
}

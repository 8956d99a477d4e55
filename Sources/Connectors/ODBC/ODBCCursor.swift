import CODBC
import Domain
import Foundation

/// One open ODBC query read row by row: environment, connection and statement handles of one reader.
///
/// Streams: psqlODBC and SQLite ODBC are told to fetch from a cursor (`UseDeclareFetch`, `StepAPI`) instead of
/// buffering the whole result, and each value is read with SQLGetData in small pieces.
final class ODBCCursor: ReadingSession {
    /// Rows psqlODBC fetches per round trip from its server-side cursor.
    static let postgreSQLFetchSize = 1000
    /// The longest value accepted; a larger one is refused instead of growing memory without bound.
    static let maxValueBytes = 1024 * 1024
    /// Time allowed for the login.
    static let loginTimeoutSeconds: SQLUINTEGER = 15
    /// Time allowed for the query and each fetch, where the driver supports it.
    static let queryTimeoutSeconds: SQLUINTEGER = 120

    private var environment: SQLHANDLE?
    private var connection: SQLHANDLE?
    private var statement: SQLHANDLE?
    private var connected = false
    private var columns: [String] = []
    private var rowsRead = 0
    private var exhausted = false
    /// Secrets that must not appear in messages (the password, wherever it came from).
    private let secrets: [String]

    /// Connects with the checked connection string and runs the query.
    init(settings: ODBCSourceSettings, folder: ImportFolder, driverFolders: [String]) throws(DirectorySourceError) {
        var connectionString = try ODBCConnectionString(parsing: settings.connectionString)
        secrets = [settings.password, connectionString["PWD"] ?? "", connectionString["PASSWORD"] ?? ""].filter { !$0.isEmpty }
        let statementText = try ODBCStatementText.make(for: settings)
        do throws(DirectorySourceError) {
            try allocateEnvironment()
            let family = try checkDriver(of: connectionString, driverFolders: driverFolders)
            if !settings.user.isEmpty && connectionString["UID"] == nil && connectionString["USER"] == nil {
                try connectionString.add("UID", settings.user)
            }
            if !settings.password.isEmpty && connectionString["PWD"] == nil && connectionString["PASSWORD"] == nil {
                try connectionString.add("PWD", settings.password)
            }
            if let family {
                try Self.prepare(&connectionString, for: family, folder: folder)
                try connect(connectionString)
            } else {
                // A DSN names its driver in odbc.ini: connect, ask which driver it is, and reconnect when it
                // needs other options to stream or names a database file that must be checked.
                try connect(connectionString)
                let before = connectionString.text
                try Self.prepare(&connectionString, for: ODBCConnectionString.DriverFamily(driver: driverName()), folder: folder)
                if connectionString.text != before {
                    disconnect()
                    try connect(connectionString)
                }
            }
            try execute(statementText)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    func close() {
        if let statement {
            SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_STMT), statement)
            self.statement = nil
        }
        disconnect()
        if let connection {
            SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_DBC), connection)
            self.connection = nil
        }
        if let environment {
            SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_ENV), environment)
            self.environment = nil
        }
    }

    func nextRows(limit: Int) throws(DirectorySourceError) -> [SourceRow]? {
        guard let statement else { throw DirectorySourceError(.readFailed, "the query is closed") }
        guard !exhausted else { return nil }
        var rows: [SourceRow] = []
        while rows.count < limit {
            let fetched = SQLFetch(statement)
            if fetched == SQLRETURN(SQL_NO_DATA) {
                exhausted = true
                break
            }
            guard codbc_succeeded(fetched) != 0 else {
                throw failure(SQL_HANDLE_STMT, statement, during: "reading row \(rowsRead + 1)", midRead: true)
            }
            rowsRead += 1
            var values: [String: [String]] = [:]
            for (index, column) in columns.enumerated() {
                guard values[column] == nil, let value = try value(ofColumn: index + 1, named: column) else { continue }
                values[column] = [value]
            }
            rows.append(SourceRow(values))
        }
        return rows.isEmpty && exhausted ? nil : rows
    }

    // MARK: - Connecting

    private func allocateEnvironment() throws(DirectorySourceError) {
        var handle: SQLHANDLE?
        guard codbc_succeeded(SQLAllocHandle(SQLSMALLINT(SQL_HANDLE_ENV), nil, &handle)) != 0, let handle else {
            throw DirectorySourceError(.readFailed, "unixODBC could not allocate an environment")
        }
        environment = handle
        SQLSetEnvAttr(handle, SQLINTEGER(SQL_ATTR_ODBC_VERSION), codbc_ov_odbc3(), 0)
    }

    /// Refuses drivers outside the allow-list; returns the driver's family, or nil for a DSN (known after connecting).
    ///
    /// `DRIVER=/path/lib.so` makes the driver manager load any library: only the configured driver folders may be
    /// named by path; other drivers must be registered in odbcinst.ini by the machine's administrator.
    private func checkDriver(
        of connectionString: ODBCConnectionString,
        driverFolders: [String]
    ) throws(DirectorySourceError) -> ODBCConnectionString.DriverFamily? {
        for key in ["FILEDSN", "SAVEFILE"] where connectionString[key] != nil {
            // A file DSN names its own driver; SAVEFILE writes a file on the server.
            throw DirectorySourceError(.invalidSettings, "\(key) is not allowed in a directory connection string")
        }
        guard let driver = connectionString["DRIVER"]?.trimmingCharacters(in: .whitespaces) else {
            guard let dsn = connectionString["DSN"], !dsn.isEmpty else {
                throw DirectorySourceError(.invalidSettings, "the connection string needs DSN=… or DRIVER=…")
            }
            return nil
        }
        if driver.hasPrefix("/") {
            guard !driver.split(separator: "/").contains("..") else {
                throw DirectorySourceError(.invalidSettings, "the driver path \(driver) is not allowed")
            }
            guard let real = ImportFolder.realPath(of: driver) else {
                throw DirectorySourceError(.unreachable, "the ODBC driver \(driver) does not exist")
            }
            let allowed = driverFolders.compactMap { ImportFolder.realPath(of: $0) }.contains { folder in
                real.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
            }
            guard allowed else {
                throw DirectorySourceError(
                    .invalidSettings,
                    "the ODBC driver \(driver) is not in an allowed driver folder (\(driverFolders.joined(separator: ", ")))"
                )
            }
        } else {
            // unixODBC loads an unregistered name as a library file name: only registered names are accepted.
            guard !driver.contains("/"), installedDrivers().contains(where: { $0.caseInsensitiveCompare(driver) == .orderedSame }) else {
                throw DirectorySourceError(.invalidSettings, "the ODBC driver '\(driver)' is not registered in odbcinst.ini")
            }
        }
        return ODBCConnectionString.DriverFamily(driver: driver)
    }

    /// The driver names registered in odbcinst.ini.
    private func installedDrivers() -> [String] {
        guard let environment else { return [] }
        var names: [String] = []
        var description = [SQLCHAR](repeating: 0, count: 256)
        var attributes = [SQLCHAR](repeating: 0, count: 1024)
        var descriptionLength: SQLSMALLINT = 0
        var attributesLength: SQLSMALLINT = 0
        var direction = SQLUSMALLINT(SQL_FETCH_FIRST)
        while codbc_succeeded(
            SQLDrivers(
                environment,
                direction,
                &description,
                SQLSMALLINT(description.count),
                &descriptionLength,
                &attributes,
                SQLSMALLINT(attributes.count),
                &attributesLength
            )
        ) != 0 {
            names.append(Self.string(description))
            direction = SQLUSMALLINT(SQL_FETCH_NEXT)
        }
        return names
    }

    /// Adds what `family` needs to stream, and checks and pins a SQLite database file to the import folder.
    static func prepare(
        _ connectionString: inout ODBCConnectionString,
        for family: ODBCConnectionString.DriverFamily,
        folder: ImportFolder
    ) throws(DirectorySourceError) {
        switch family {
        case .postgreSQL:
            try connectionString.add("UseDeclareFetch", "1")
            try connectionString.add("Fetch", String(postgreSQLFetchSize))
        case .sqlite:
            try connectionString.add("StepAPI", "1")
            guard let database = connectionString["Database"] else {
                // A DSN names its database in odbc.ini, which only the machine's administrator writes.
                if connectionString["DSN"] != nil && connectionString["DRIVER"] == nil { return }
                throw DirectorySourceError(.invalidSettings, "a SQLite connection string needs Database=<file in the import folder>")
            }
            let candidate = database.hasPrefix("/") ? database : try folder.candidate(for: database)
            guard !database.split(separator: "/").contains("..") else {
                throw DirectorySourceError(.invalidSettings, "\(database) must not leave the import folder")
            }
            // The driver would create a missing file: check first, then give it the resolved path.
            guard let real = ImportFolder.realPath(of: candidate) else {
                throw DirectorySourceError(.unreachable, "the database file \(database) does not exist")
            }
            try folder.requireInside(real, shownAs: database)
            try connectionString.replace("Database", with: real)
        case .other:
            break
        }
    }

    private func connect(_ connectionString: ODBCConnectionString) throws(DirectorySourceError) {
        if connection == nil {
            var handle: SQLHANDLE?
            guard codbc_succeeded(SQLAllocHandle(SQLSMALLINT(SQL_HANDLE_DBC), environment, &handle)) != 0, let handle else {
                throw DirectorySourceError(.readFailed, "unixODBC could not allocate a connection")
            }
            connection = handle
            SQLSetConnectAttr(handle, SQLINTEGER(SQL_ATTR_LOGIN_TIMEOUT), codbc_uinteger(Self.loginTimeoutSeconds), 0)
        }
        var text = Array(connectionString.text.utf8CString).map { SQLCHAR(bitPattern: $0) }
        // The copy holding the password does not outlive the call.
        defer { text.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        let connected = SQLDriverConnect(
            connection,
            nil,
            &text,
            SQLSMALLINT(SQL_NTS),
            nil,
            0,
            nil,
            SQLUSMALLINT(SQL_DRIVER_NOPROMPT)
        )
        guard codbc_succeeded(connected) != 0 else { throw failure(SQL_HANDLE_DBC, connection, during: "connecting", midRead: false) }
        self.connected = true
        // A hint only: the account's rights are what keeps the directory read-only.
        SQLSetConnectAttr(connection, SQLINTEGER(SQL_ATTR_ACCESS_MODE), codbc_uinteger(SQLUINTEGER(SQL_MODE_READ_ONLY)), 0)
    }

    private func disconnect() {
        if connected, let connection { SQLDisconnect(connection) }
        connected = false
    }

    /// The driver's library name (`psqlodbcw.so`, `libsqlite3odbc.so`), as the driver manager reports it.
    private func driverName() -> String {
        var name = [SQLCHAR](repeating: 0, count: 256)
        var length: SQLSMALLINT = 0
        guard codbc_succeeded(SQLGetInfo(connection, SQLUSMALLINT(SQL_DRIVER_NAME), &name, SQLSMALLINT(name.count), &length)) != 0 else {
            return ""
        }
        return Self.string(name)
    }

    // MARK: - Reading

    private func execute(_ statementText: String) throws(DirectorySourceError) {
        var handle: SQLHANDLE?
        guard codbc_succeeded(SQLAllocHandle(SQLSMALLINT(SQL_HANDLE_STMT), connection, &handle)) != 0, let handle else {
            throw failure(SQL_HANDLE_DBC, connection, during: "preparing the query", midRead: false)
        }
        statement = handle
        SQLSetStmtAttr(handle, SQLINTEGER(SQL_ATTR_QUERY_TIMEOUT), codbc_uinteger(Self.queryTimeoutSeconds), 0)
        var text = Array(statementText.utf8CString).map { SQLCHAR(bitPattern: $0) }
        let executed = SQLExecDirect(handle, &text, SQLINTEGER(SQL_NTS))
        guard codbc_succeeded(executed) != 0 || executed == SQLRETURN(SQL_NO_DATA) else {
            throw failure(SQL_HANDLE_STMT, handle, during: "running the query", midRead: false)
        }
        var count: SQLSMALLINT = 0
        guard codbc_succeeded(SQLNumResultCols(handle, &count)) != 0, count > 0 else {
            throw DirectorySourceError(.invalidSettings, "the query returns no columns")
        }
        columns = try (1...Int(count)).map { number throws(DirectorySourceError) in try columnName(number) }
    }

    /// A result column's name, lowercased; its number when the driver gives none.
    private func columnName(_ number: Int) throws(DirectorySourceError) -> String {
        var name = [SQLCHAR](repeating: 0, count: 512)
        var length: SQLSMALLINT = 0
        var type: SQLSMALLINT = 0
        var size: SQLULEN = 0
        var digits: SQLSMALLINT = 0
        var nullable: SQLSMALLINT = 0
        let described = SQLDescribeCol(
            statement,
            SQLUSMALLINT(number),
            &name,
            SQLSMALLINT(name.count),
            &length,
            &type,
            &size,
            &digits,
            &nullable
        )
        guard codbc_succeeded(described) != 0 else {
            throw failure(SQL_HANDLE_STMT, statement, during: "describing column \(number)", midRead: false)
        }
        let text = Self.string(name).trimmingCharacters(in: .whitespaces).lowercased()
        return text.isEmpty ? String(number) : text
    }

    /// A column of the current row as text, nil for NULL. Read in pieces: the declared size says little
    /// (psqlODBC declares `text` as 8190, SQLite as 65536) and a piece never holds more than the buffer.
    private func value(ofColumn number: Int, named name: String) throws(DirectorySourceError) -> String? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var indicator: SQLLEN = 0
        while true {
            let read = SQLGetData(statement, SQLUSMALLINT(number), SQLSMALLINT(SQL_C_CHAR), &buffer, SQLLEN(buffer.count), &indicator)
            if read == SQLRETURN(SQL_NO_DATA) { break }
            guard codbc_succeeded(read) != 0 else {
                throw failure(SQL_HANDLE_STMT, statement, during: "reading column \(name) of row \(rowsRead)", midRead: true)
            }
            if indicator == SQLLEN(SQL_NULL_DATA) { return nil }
            // Truncated (01004): the buffer is full but for its terminating zero, and more follows.
            let truncated = read == SQLRETURN(SQL_SUCCESS_WITH_INFO) && (indicator == SQLLEN(SQL_NO_TOTAL) || indicator >= buffer.count)
            let count = truncated ? buffer.count - 1 : min(Int(indicator), buffer.count - 1)
            bytes += buffer[0..<max(count, 0)]
            guard bytes.count <= Self.maxValueBytes else {
                throw DirectorySourceError(.readFailed, "column \(name) of row \(rowsRead) is longer than \(Self.maxValueBytes) bytes")
            }
            if !truncated { break }
        }
        guard !bytes.isEmpty else { return "" }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DirectorySourceError(.readFailed, "column \(name) of row \(rowsRead) is not UTF-8 text")
        }
        return text
    }

    // MARK: - Errors

    /// The handle's diagnostics as a directory error: login refused, source unreachable, timeout, or read failure.
    private func failure(_ type: Int32, _ handle: SQLHANDLE?, during step: String, midRead: Bool) -> DirectorySourceError {
        var states: [String] = []
        var messages: [String] = []
        var record: SQLSMALLINT = 1
        var state = [SQLCHAR](repeating: 0, count: 6)
        var message = [SQLCHAR](repeating: 0, count: 1024)
        var native: SQLINTEGER = 0
        var length: SQLSMALLINT = 0
        while let handle, record <= 8,
            codbc_succeeded(
                SQLGetDiagRec(SQLSMALLINT(type), handle, record, &state, &native, &message, SQLSMALLINT(message.count), &length)
            ) != 0
        {
            states.append(Self.string(state))
            messages.append("[\(Self.string(state))] \(Self.string(message).trimmingCharacters(in: .whitespacesAndNewlines))")
            record += 1
        }
        var text = messages.isEmpty ? "no diagnostic from the driver" : messages.joined(separator: "; ")
        text = ODBCSourceSettings.redactingPassword(text)
        for secret in secrets { text = text.replacingOccurrences(of: secret, with: "********") }
        let detail = "\(step): \(text)"
        // psqlODBC reports a refused login as 08001 with the server's message; the standard state is 28000.
        if states.contains(where: { $0.hasPrefix("28") }) || text.contains("password authentication failed") {
            return DirectorySourceError(.authentication, detail)
        }
        if states.contains(where: { $0 == "HYT00" || $0 == "HYT01" }) { return DirectorySourceError(.timeout, detail) }
        if midRead { return DirectorySourceError(.readFailed, detail) }
        if states.contains(where: { $0.hasPrefix("08") || $0 == "IM002" || $0 == "IM003" })
            || text.contains("Can't open lib")
        {
            return DirectorySourceError(.unreachable, detail)
        }
        return DirectorySourceError(.readFailed, detail)
    }

    /// A zero-terminated buffer from the driver as text.
    private static func string(_ buffer: [SQLCHAR]) -> String {
        let end = buffer.firstIndex(of: 0) ?? buffer.endIndex
        return String(decoding: buffer[..<end], as: UTF8.self)
    }
}

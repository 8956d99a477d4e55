import Domain
import Foundation
import Testing

@testable import Connectors

/// The folder of Debian's ODBC drivers on this machine.
let odbcDriverFolder =
    DirectoryConnectors.defaultODBCDriverFolders.first { folder in
        FileManager.default.fileExists(atPath: folder + "libsqlite3odbc.so")
    } ?? DirectoryConnectors.defaultODBCDriverFolders[0]

@Suite struct ODBCSettingsTests {
    @Test(arguments: [
        ("contacts", true), ("public.contacts", true), ("db.dbo.[Contact List]", true), ("\"odd \"\" name\"", true),
        ("Größe$1", true), ("contacts; DROP TABLE contacts", false), ("contacts--", false), ("a.b.c.d", false),
        ("(SELECT 1)", false), ("", false), ("[a]]b]", false), ("\"open", false), ("contacts ", false), ("1abc", false),
    ])
    func tableNamesAreCheckedBeforeUse(table: String, accepted: Bool) {
        let statement = try? ODBCStatementText.checkedTable(table)
        #expect((statement != nil) == accepted)
    }

    @Test(arguments: [
        ("SELECT * FROM contacts;", "SELECT * FROM contacts"), ("with x as (select 1) select * from x", "with x as (select 1) select * from x"),
        ("select 1; delete from contacts", nil), ("DELETE FROM contacts", nil), ("selectx", nil), (";", nil),
    ])
    func queriesMustBeOneSelect(query: String, expected: String?) {
        #expect((try? ODBCStatementText.checkedQuery(query)) == expected)
    }

    @Test func connectionStringKeepsBracedValuesAndRefusesRepeatedKeys() throws {
        var parsed = try ODBCConnectionString(parsing: "DRIVER={PostgreSQL Unicode};Server=db;PWD={a;b}")
        #expect(parsed["driver"] == "PostgreSQL Unicode")
        #expect(parsed["pwd"] == "a;b")
        try parsed.add("UseDeclareFetch", "1")
        #expect(parsed.text == "DRIVER=PostgreSQL Unicode;Server=db;PWD={a;b};UseDeclareFetch=1")
        #expect(throws: DirectorySourceError.self) { try ODBCConnectionString(parsing: "DRIVER={A};driver=/tmp/evil.so") }
    }

    @Test func streamingOptionsAreAddedForPostgreSQLAndSQLite() throws {
        var postgreSQL = try ODBCConnectionString(parsing: "DRIVER={PostgreSQL Unicode};Server=db")
        try ODBCCursor.prepare(&postgreSQL, for: .init(driver: "PostgreSQL Unicode"), folder: ImportFolder(URL(fileURLWithPath: "/tmp")))
        #expect(postgreSQL["UseDeclareFetch"] == "1")
        #expect(postgreSQL["Fetch"] == "1000")
        #expect(ODBCConnectionString.DriverFamily(driver: "/usr/lib/x86_64-linux-gnu/odbc/psqlodbca.so") == .postgreSQL)
        #expect(ODBCConnectionString.DriverFamily(driver: "libsqlite3odbc.so") == .sqlite)
    }
}

@Suite final class SQLiteODBCTests {
    let folder: URL
    let connector: DirectoryConnectors

    init() async throws {
        folder = try makeImportFolder()
        connector = DirectoryConnectors(importFolder: folder)
        let database = folder.appendingPathComponent("contacts.db").path
        let sql = """
            CREATE TABLE contacts (id INTEGER PRIMARY KEY, Last_Name TEXT NOT NULL, company TEXT, note TEXT);
            INSERT INTO contacts VALUES (1, 'Müller', 'Größe AG', NULL), (2, 'O''Brien', NULL, '\(String(repeating: "long ", count: 2000))');
            WITH RECURSIVE n(i) AS (SELECT 3 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)
            INSERT INTO contacts SELECT i, 'Gen' || i, 'Company ' || (i % 10), NULL FROM n;
            """
        let status = try await spawn(
            "/usr/bin/sqlite3",
            [database, sql],
            environment: [:],
            output: folder.appendingPathComponent("sqlite3.log").path
        )
        try #require(status == 0, "sqlite3 failed (is the sqlite3 package installed? make test installs it)")
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    private func settings(_ database: String, driver: String? = nil, table: String = "contacts", query: String = "") -> ODBCSourceSettings {
        ODBCSourceSettings(
            connectionString: "DRIVER=\(driver ?? odbcDriverFolder + "libsqlite3odbc.so");Database=\(database)",
            table: table,
            query: query
        )
    }

    @Test func readsATableThroughTheDriverPathWithNullsAndUTF8() async throws {
        let (rows, calls) = try await readAll(.odbc(settings("contacts.db")), with: connector, limit: 500)
        #expect(rows.count == 1200)
        #expect(calls == 3)
        #expect(rows[0] == SourceRow(["id": ["1"], "last_name": ["Müller"], "company": ["Größe AG"]]))
        #expect(rows[1]["company"] == nil)
        // Longer than one SQLGetData buffer: read in pieces.
        #expect(rows[1]["note"] == String(repeating: "long ", count: 2000))
    }

    @Test func readsAQueryThroughARegisteredDriverName() async throws {
        let query = "SELECT id, last_name AS Name FROM contacts WHERE id <= 2 ORDER BY id"
        let (rows, _) = try await readAll(.odbc(settings("contacts.db", driver: "{SQLite3}", table: "", query: query)), with: connector)
        #expect(rows == [SourceRow(["id": ["1"], "name": ["Müller"]]), SourceRow(["id": ["2"], "name": ["O'Brien"]])])
    }

    @Test func databaseOutsideTheImportFolderIsRefused() async throws {
        let outside = folder.deletingLastPathComponent().appendingPathComponent("outside-\(UUID().uuidString).db")
        try FileManager.default.copyItem(at: folder.appendingPathComponent("contacts.db"), to: outside)
        defer { try? FileManager.default.removeItem(at: outside) }
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("link.db"), withDestinationURL: outside)
        for database in [outside.path, "../\(outside.lastPathComponent)", "link.db"] {
            let error = await readError(.odbc(settings(database)), with: connector)
            #expect(error?.kind == .invalidSettings, "\(database)")
        }
    }

    @Test func missingDatabaseIsUnreachableAndNotCreated() async throws {
        let error = await readError(.odbc(settings("missing.db")), with: connector)
        #expect(error?.kind == .unreachable)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("missing.db").path))
    }

    @Test func driversOutsideTheAllowListAreRefused() async throws {
        let outsideLibrary = "/usr/lib/x86_64-linux-gnu/libodbc.so.2"
        for driver in [outsideLibrary, odbcDriverFolder + "../libodbc.so.2", "{Not Registered}", "libsqlite3odbc.so", "odbc/libsqlite3odbc.so"] {
            let error = await readError(.odbc(settings("contacts.db", driver: driver)), with: connector)
            #expect(error?.kind == .invalidSettings, "\(driver)")
        }
        let fileDSN = await readError(.odbc(ODBCSourceSettings(connectionString: "FILEDSN=/tmp/x.dsn", table: "contacts")), with: connector)
        #expect(fileDSN?.kind == .invalidSettings)
    }

    @Test func tableNameInjectionIsRefused() async throws {
        let error = await readError(.odbc(settings("contacts.db", table: "contacts; DROP TABLE contacts")), with: connector)
        #expect(error?.kind == .invalidSettings)
        let rows = try await readAll(.odbc(settings("contacts.db")), with: connector, limit: 2000).rows
        #expect(rows.count == 1200)
    }

    @Test func unknownTableIsAReadFailure() async throws {
        let error = await readError(.odbc(settings("contacts.db", table: "nope")), with: connector)
        #expect(error?.kind == .readFailed)
    }
}

@Suite(.postgreSQL(rows: 2500), .timeLimit(.minutes(3)))
struct PostgreSQLODBCTests {
    let connector: DirectoryConnectors

    init() { connector = DirectoryConnectors(importFolder: unusedImportFolder) }

    private var server: TestService { get throws { try #require(ServiceFixture.current) } }

    private func settings(password: String = "tws-secret", driver: String? = nil, table: String = "", query: String = "") throws -> ODBCSourceSettings
    {
        ODBCSourceSettings(
            connectionString: "DRIVER=\(driver ?? odbcDriverFolder + "psqlodbcw.so");SERVER=127.0.0.1;PORT=\(try server.port);DATABASE=contacts",
            user: "tws",
            password: password,
            table: table,
            query: query
        )
    }

    @Test func readsAllRowsInSeveralCallsWithNullsAndUTF8() async throws {
        let query = "SELECT id, last_name, first_name, company, phone_mobile, red_list FROM contacts ORDER BY id"
        let (rows, calls) = try await readAll(.odbc(try settings(query: query)), with: connector, limit: 700)
        #expect(rows.count == 2504)
        #expect(calls == 4)
        #expect(rows[1] == SourceRow(["id": ["2"], "last_name": ["Müller"], "first_name": ["Jürgen"], "company": ["Größe AG"], "red_list": ["0"]]))
        #expect(rows[2]["company"] == nil)
        #expect(rows[2]["first_name"] == "Siobhán")
        #expect(rows.last?["last_name"] == "Gen002500")
    }

    @Test func readsATableThroughTheRegisteredDriverName() async throws {
        let rows = try await readAll(.odbc(try settings(driver: "{PostgreSQL Unicode}", table: "public.contacts")), with: connector, limit: 1000).rows
        #expect(rows.count == 2504)
        #expect(rows.contains { $0["last_name"] == "Secret" && $0["red_list"] == "1" })
    }

    @Test func wrongPasswordIsAnAuthenticationErrorWithoutThePassword() async throws {
        let error = await readError(.odbc(try settings(password: "wrong-pass-123", table: "contacts")), with: connector)
        #expect(error?.kind == .authentication)
        #expect(error?.message.contains("wrong-pass-123") == false)
    }

    @Test func closedPortIsUnreachable() async throws {
        var closed = try settings(table: "contacts")
        closed.connectionString = "DRIVER=\(odbcDriverFolder)psqlodbcw.so;SERVER=127.0.0.1;PORT=\(try LoopbackPort.free());DATABASE=contacts"
        let error = await readError(.odbc(closed), with: connector)
        #expect(error?.kind == .unreachable)
    }

    @Test func driverPathOutsideTheAllowListIsRefused() async throws {
        let error = await readError(.odbc(try settings(driver: "/usr/lib/x86_64-linux-gnu/libodbc.so.2", table: "contacts")), with: connector)
        #expect(error?.kind == .invalidSettings)
        let restricted = DirectoryConnectors(importFolder: unusedImportFolder, odbcDriverFolders: ["/opt/odbc/"])
        let notAllowed = await readError(.odbc(try settings(table: "contacts")), with: restricted)
        #expect(notAllowed?.kind == .invalidSettings)
    }

    @Test func tableNameInjectionIsRefused() async throws {
        let error = await readError(.odbc(try settings(table: "contacts; DROP TABLE contacts")), with: connector)
        #expect(error?.kind == .invalidSettings)
    }
}

@Suite(.timeLimit(.minutes(3)))
struct SourceGoingDownTests {
    @Test func postgreSQLStoppedBetweenTwoReadsEndsWithACleanError() async throws {
        try await withService(try await TestService.postgreSQL(rows: 5000)) { server in
            let connector = DirectoryConnectors(importFolder: unusedImportFolder)
            let settings = ODBCSourceSettings(
                connectionString: "DRIVER=\(odbcDriverFolder)psqlodbcw.so;SERVER=127.0.0.1;PORT=\(server.port);DATABASE=contacts",
                user: "tws",
                password: "tws-secret",
                table: "contacts"
            )
            let reader = try await connector.open(.odbc(settings), attributes: [])
            let first = try await reader.next(limit: 10)
            #expect(first?.count == 10)
            await server.halt()
            let outcome = try await within(seconds: 60) { () async -> DirectorySourceError? in
                await directoryError { () throws(DirectorySourceError) in
                    while try await reader.next(limit: 500) != nil {}
                }
            }
            #expect(outcome?.kind == .readFailed || outcome?.kind == .unreachable)
            await reader.close()
        }
    }

    @Test func slapdStoppedBetweenTwoReadsEndsWithACleanError() async throws {
        try await withService(try await TestService.slapd(users: 2500)) { server in
            let connector = DirectoryConnectors(importFolder: unusedImportFolder)
            let settings = LDAPSourceSettings(
                host: "127.0.0.1",
                port: server.port,
                bindDN: "cn=admin,dc=example,dc=org",
                password: "password",
                baseDN: "dc=example,dc=org",
                pageSize: 1000,
                timeoutSeconds: 5
            )
            let reader = try await connector.open(.ldap(settings), attributes: ["uid"])
            let first = try await reader.next(limit: 10)
            #expect(first?.count == 10)
            await server.halt()
            let outcome = try await within(seconds: 60) { () async -> DirectorySourceError? in
                await directoryError { () throws(DirectorySourceError) in
                    while try await reader.next(limit: 500) != nil {}
                }
            }
            #expect(outcome?.kind == .readFailed || outcome?.kind == .unreachable || outcome?.kind == .timeout)
            await reader.close()
        }
    }
}

import Domain
import Foundation
import NIOPosix

/// The server's `DirectoryConnector`: opens LDAP, ODBC and CSV sources, read on the shared pool for blocking calls.
public struct DirectoryConnectors: DirectoryConnector {
    /// Debian's unixODBC driver folders (packages odbc-postgresql, libsqliteodbc, …).
    public static let defaultODBCDriverFolders = ["/usr/lib/x86_64-linux-gnu/odbc/", "/usr/lib/aarch64-linux-gnu/odbc/"]

    /// Where CSV files and SQLite databases must live.
    public let importFolder: ImportFolder
    /// The only folders a `DRIVER=/path` connection string may load a driver from.
    public let odbcDriverFolders: [String]
    /// Runs the readers' blocking calls (files, unixODBC, libldap).
    let pool: NIOThreadPool

    public init(importFolder: URL, odbcDriverFolders: [String] = Self.defaultODBCDriverFolders, pool: NIOThreadPool = .singleton) {
        self.importFolder = ImportFolder(importFolder)
        self.odbcDriverFolders = odbcDriverFolders
        self.pool = pool
    }

    public func open(_ connection: DirectoryConnection, attributes: [String]) async throws(DirectorySourceError) -> any DirectoryReader {
        switch connection {
        case .csv(let settings):
            let folder = importFolder
            return try await SessionReader.open(on: pool) { () throws(DirectorySourceError) in
                try CSVFile(settings: settings, folder: folder)
            }
        case .odbc(let settings):
            let folder = importFolder
            let driverFolders = odbcDriverFolders
            return try await SessionReader.open(on: pool) { () throws(DirectorySourceError) in
                try ODBCCursor(settings: settings, folder: folder, driverFolders: driverFolders)
            }
        case .ldap(let settings):
            return try await SessionReader.open(on: pool) { () throws(DirectorySourceError) in
                try LDAPSearch(settings: settings, attributes: attributes)
            }
        }
    }
}

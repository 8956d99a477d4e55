import Domain
import Foundation

/// The server's `DirectoryConnector`: opens LDAP, ODBC and CSV sources, each read on a thread of its own.
public struct DirectoryConnectors: DirectoryConnector {
    /// Debian's unixODBC driver folders (packages odbc-postgresql, libsqliteodbc, …).
    public static let defaultODBCDriverFolders = ["/usr/lib/x86_64-linux-gnu/odbc/", "/usr/lib/aarch64-linux-gnu/odbc/"]

    /// Where CSV files and SQLite databases must live.
    public let importFolder: ImportFolder
    /// The only folders a `DRIVER=/path` connection string may load a driver from.
    public let odbcDriverFolders: [String]

    public init(importFolder: URL, odbcDriverFolders: [String] = Self.defaultODBCDriverFolders) {
        self.importFolder = ImportFolder(importFolder)
        self.odbcDriverFolders = odbcDriverFolders
    }

    public func open(_ connection: DirectoryConnection, attributes: [String]) async throws(DirectorySourceError) -> any DirectoryReader {
        switch connection {
        case .csv(let settings):
            let folder = importFolder
            return try await SessionReader.open(threadName: "directory csv") { () throws(DirectorySourceError) in
                try CSVFile(settings: settings, folder: folder)
            }
        case .odbc(let settings):
            let folder = importFolder
            let driverFolders = odbcDriverFolders
            return try await SessionReader.open(threadName: "directory odbc") { () throws(DirectorySourceError) in
                try ODBCCursor(settings: settings, folder: folder, driverFolders: driverFolders)
            }
        case .ldap(let settings):
            return try await SessionReader.open(threadName: "directory ldap") { () throws(DirectorySourceError) in
                try LDAPSearch(settings: settings, attributes: attributes)
            }
        }
    }
}

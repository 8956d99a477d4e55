import Foundation

/// Opens directory sources (implemented by `Connectors`).
public protocol DirectoryConnector: Sendable {
    /// Connects (and binds, logs in or opens the file) and starts reading. `attributes` are the lowercased names the
    /// field map uses; an LDAP search asks for those only, SQL and CSV sources may return more.
    func open(_ connection: DirectoryConnection, attributes: [String]) async throws(DirectorySourceError) -> any DirectoryReader
}

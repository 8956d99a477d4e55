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

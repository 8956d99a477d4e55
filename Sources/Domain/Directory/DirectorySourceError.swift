import Foundation

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

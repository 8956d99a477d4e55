import Foundation

/// Reads one user's calendar over the network (Connectors implements it for CalDAV, issue 21).
public protocol CalendarSource: Sendable {
    /// The busy occurrences of the calendar at `url` overlapping `window`, recurring events expanded; floating times and
    /// whole-day events are read in `timeZone`. Throws `CalendarReadError` when the server cannot be read.
    func occurrences(url: String, credentials: CalendarCredentials, window: CalendarWindow, timeZone: TimeZone) async throws -> [CalendarOccurrence]
}

/// The service account a connection reads every calendar with (admin guide 8.7.4: "this user must have the rights to
/// read TWS users' calendars").
public struct CalendarCredentials: Sendable, Equatable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// Why a calendar could not be read; its description never holds the password.
public struct CalendarReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Connection refused, timed out, name not resolved, TLS failure.
        case unreachable
        /// 401/403: the service account is refused.
        case refused
        /// 404: no calendar at the user's URL.
        case notFound = "not_found"
        /// Any other HTTP status, or an answer that is not a CalDAV multistatus.
        case badAnswer = "bad_answer"
    }

    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue): \(detail)" }
}

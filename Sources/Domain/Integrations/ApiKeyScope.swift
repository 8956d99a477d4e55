/// What an API key may do (issue 19). A key holds a set of scopes; every operation a key calls names the scope it needs
/// and answers 403 `scope_not_granted` without it.
public enum ApiKeyScope: String, Codable, Sendable, CaseIterable, Comparable {
    /// Place and control calls for the users the key acts for.
    case callsControl = "calls:control"
    /// Read the call logs of the users the key acts for.
    case callsRead = "calls:read"
    /// Search the directories and look up numbers as the users the key acts for.
    case directoryRead = "directory:read"
    /// Read the presence of the users the key acts for.
    case presenceRead = "presence:read"
    /// Ask for call-me-back calls (the portal's double call).
    case callbacksCreate = "callbacks:create"
    /// Manage the company's webhook subscriptions.
    case webhooksManage = "webhooks:manage"

    public static func < (lhs: ApiKeyScope, rhs: ApiKeyScope) -> Bool { lhs.rawValue < rhs.rawValue }
}

import Foundation

/// One line of the security audit log: sign-ins, failures, locks, sign-outs and refreshes of users and
/// administrators. It names who and from where, never a password or a token.
public struct AuditEntry: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case loginSucceeded = "login_succeeded"
        case loginFailed = "login_failed"
        /// A sign-in refused because the user name or the client address is locked after repeated failures.
        case loginLocked = "login_locked"
        case logout
        case sessionRefreshed = "session_refreshed"
        case adminLoginSucceeded = "admin_login_succeeded"
        case adminLoginFailed = "admin_login_failed"
        // API keys (issue 19): their administration, and refusals of a known key (revoked, expired, address, scope).
        case apiKeyCreated = "api_key_created"
        case apiKeyUpdated = "api_key_updated"
        case apiKeyRotated = "api_key_rotated"
        case apiKeyRevoked = "api_key_revoked"
        case apiKeyDeleted = "api_key_deleted"
        case apiKeyRefused = "api_key_refused"
    }

    public var id: Int64?
    public var time: Date
    public var kind: Kind
    /// The company concerned, nil when unknown (a name that matches no user, or several companies' users).
    public var companyId: Int64?
    public var userId: Int64?
    /// The name the client gave (users) or the administrator's account name, cut to 256 characters.
    public var username: String
    /// The authentication method (`TWS`, `LDAP`, `WindowsSecurity`, `None`) when one applies.
    public var method: String?
    public var clientAddress: String?
    /// A short reason, e.g. `locked for 900 s`.
    public var detail: String?

    public init(
        id: Int64? = nil,
        time: Date,
        kind: Kind,
        companyId: Int64? = nil,
        userId: Int64? = nil,
        username: String,
        method: String? = nil,
        clientAddress: String? = nil,
        detail: String? = nil
    ) {
        self.id = id
        self.time = time
        self.kind = kind
        self.companyId = companyId
        self.userId = userId
        self.username = String(username.prefix(256))
        self.method = method
        self.clientAddress = clientAddress
        self.detail = detail
    }
}

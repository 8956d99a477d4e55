import Domain
import Logging

/// One authentication method (admin guide 6). Login tries the methods listed in the user's
/// resolved `AuthMethods`, in order; LDAP and Windows plug in here without touching handlers.
public protocol Authenticator: Sendable {
    var method: AuthMethod { get }
    /// True when the attempt proves the user's identity. `parameters` are the user's resolved
    /// TWS Server parameters (for example `AuthLdapServer`).
    func authenticate(_ attempt: LoginAttempt, user: User, parameters: [String: String]) async throws -> Bool
}

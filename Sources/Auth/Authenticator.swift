import Domain
import Logging

/// What a client sends to log in.
public struct LoginAttempt: Sendable {
    public var company: String?
    public var domain: String?
    public var username: String
    public var password: String?
    public var clientAddress: String?

    public init(company: String? = nil, domain: String? = nil, username: String, password: String? = nil, clientAddress: String? = nil) {
        self.company = company
        self.domain = domain
        self.username = username
        self.password = password
        self.clientAddress = clientAddress
    }
}

/// One authentication method (admin guide 6). Login tries the methods listed in the user's
/// resolved `AuthMethods`, in order; LDAP and Windows plug in here without touching handlers.
public protocol Authenticator: Sendable {
    var method: AuthMethod { get }
    /// True when the attempt proves the user's identity. `parameters` are the user's resolved
    /// TWS Server parameters (for example `AuthLdapServer`).
    func authenticate(_ attempt: LoginAttempt, user: User, parameters: [String: String]) async throws -> Bool
}

/// TWS method: the password set by the administrator, checked against its bcrypt hash (admin guide 6.4).
public struct TWSPasswordAuthenticator: Authenticator {
    public let method = AuthMethod.tws
    let hasher: any PasswordHasher

    public init(hasher: any PasswordHasher) { self.hasher = hasher }

    public func authenticate(_ attempt: LoginAttempt, user: User, parameters: [String: String]) async throws -> Bool {
        guard let password = attempt.password, !password.isEmpty, let hash = user.passwordHash else { return false }
        return hasher.verify(password, hash: hash)
    }
}

/// None method: the user name alone (admin guide 6.5). Only reached when an administrator listed
/// `None` in `AuthMethods`; every such login is logged.
public struct NoAuthenticator: Authenticator {
    public let method = AuthMethod.none
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func authenticate(_ attempt: LoginAttempt, user: User, parameters: [String: String]) async throws -> Bool {
        logger.notice(
            "login without authentication (AuthMethods None)",
            metadata: ["user": "\(user.username)", "userId": "\(user.id ?? 0)", "client": "\(attempt.clientAddress ?? "-")"]
        )
        return true
    }
}

import Domain
import Logging

/// TWS method: the password set by the administrator, checked against its bcrypt hash (admin guide 6.4).
public struct TWSPasswordAuthenticator: Authenticator {
    public let method = AuthMethod.tws
    let hasher: any PasswordHasher

    public init(hasher: any PasswordHasher) { self.hasher = hasher }

    public func authenticate(_ attempt: LoginAttempt, user: User, parameters: [String: String]) async throws -> Bool {
        guard let password = attempt.password, !password.isEmpty, let hash = user.passwordHash else { return false }
        return await hasher.verify(password, hash: hash)
    }
}

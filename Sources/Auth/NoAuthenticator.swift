import Domain
import Logging

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

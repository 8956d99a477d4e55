import Domain
import Foundation
import Logging

/// The answer to a successful login.
public struct LoginResult: Sendable, Equatable {
    public var token: String
    public var expiresAt: Date
    public var userId: Int64
    /// The user's resolved `AuthMethods`, so a client knows which methods it may try.
    public var methods: [AuthMethod]
    public var method: AuthMethod
}

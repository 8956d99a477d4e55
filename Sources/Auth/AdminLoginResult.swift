import Domain
import Foundation
import Logging

/// The answer to a successful administrator login.
public struct AdminLoginResult: Sendable, Equatable {
    public var token: String
    public var expiresAt: Date
    public var passwordChangeRequired: Bool
}

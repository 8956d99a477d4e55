/// Hashes and checks passwords; Auth implements it with bcrypt.
public protocol PasswordHasher: Sendable {
    func hash(_ password: String) throws -> String
    func verify(_ password: String, hash: String) -> Bool
}

/// Rules every password set through the API follows.
public enum PasswordPolicy {
    public static let minimumLength = 8
    /// bcrypt only reads 72 bytes; longer passwords would be silently truncated, so they are refused.
    public static let maximumBytes = 72

    public static func check(_ password: String, field: String = "password") throws(DomainError) {
        guard password.count >= minimumLength else { throw .invalid(field: field, "A password needs at least \(minimumLength) characters") }
        guard password.utf8.count <= maximumBytes else { throw .invalid(field: field, "A password may not exceed \(maximumBytes) bytes") }
    }
}

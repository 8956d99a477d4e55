/// Hashes and checks passwords; Auth implements it with bcrypt. Both take a quarter of a second of CPU by design, so
/// they are async: the implementation runs them off the threads that serve requests.
public protocol PasswordHasher: Sendable {
    func hash(_ password: String) async throws -> String
    func verify(_ password: String, hash: String) async -> Bool
    /// Whether `hash` was made the old way and should be replaced by `hash(_:)` once its password has been verified.
    func needsUpgrade(_ hash: String) -> Bool
}

extension PasswordHasher {
    public func needsUpgrade(_ hash: String) -> Bool { false }
}

/// Rules every password set through the API follows.
public enum PasswordPolicy {
    /// Lengths count Unicode code points, as the contract's minLength/maxLength do.
    public static let minimumLength = 8
    /// Every character counts (the hasher pre-hashes before bcrypt, which alone reads 72 bytes and stops at NUL); this
    /// bounds the work a sign-in attempt costs, the same limit sign-in itself applies.
    public static let maximumLength = 1024

    public static func check(_ password: String, field: String = "password") throws(DomainError) {
        let length = password.unicodeScalars.count
        guard length >= minimumLength else { throw .invalid(field: field, "A password needs at least \(minimumLength) characters") }
        guard length <= maximumLength else { throw .invalid(field: field, "A password may not exceed \(maximumLength) characters") }
        // A NUL would end the password for C code (bcrypt among it); other controls cannot be typed and are mistakes.
        guard !password.unicodeScalars.contains(where: isControl) else {
            throw .invalid(field: field, "A password may not contain control characters")
        }
    }

    /// C0 and C1 control characters and DEL (Unicode general category Cc).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}

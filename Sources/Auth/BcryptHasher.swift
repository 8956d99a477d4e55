import Domain
import HummingbirdBcrypt

/// bcrypt password hashing (Hummingbird's implementation of OpenBSD bcrypt).
public struct BcryptHasher: PasswordHasher {
    /// Work factor: 12 in production (about 250 ms a hash here); tests may lower it to the minimum, 4.
    public let cost: UInt8

    public init(cost: UInt8 = 12) { self.cost = cost }

    public func hash(_ password: String) throws -> String { Bcrypt.hash(password, cost: cost) }

    public func verify(_ password: String, hash: String) -> Bool {
        // A malformed stored hash must fail closed, never crash.
        guard hash.hasPrefix("$2") else { return false }
        return Bcrypt.verify(password, hash: hash)
    }
}

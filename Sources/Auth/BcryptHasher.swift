import Crypto
import Domain
import Foundation
import HummingbirdBcrypt
import NIOPosix

/// Password hashing: bcrypt (Hummingbird's implementation of OpenBSD bcrypt) over a keyed pre-hash of the password.
///
/// bcrypt reads at most 72 bytes and stops at the first NUL, so alone it would make `abc\0defghij` the same password as
/// `abc`, and any two passwords sharing their first 72 bytes the same. The pre-hash, HMAC-SHA256 of the whole UTF-8
/// password under a fixed key, base64-encoded (44 ASCII characters, no NUL), lets every byte count. Its key is a
/// constant: it separates this use of SHA-256 from any other, and is no secret. Stored as `$twsp1$` + the bcrypt string.
/// Hashes written before (plain bcrypt, `$2b$…`) are still verified, refusing any attempt that holds a NUL, and
/// `needsUpgrade` tells the sign-in to replace them.
public struct BcryptHasher: PasswordHasher {
    /// The prefix of hashes made with the pre-hash.
    static let prefix = "$twsp1$"
    /// The pre-hash key (see the type).
    private static let key = SymmetricKey(data: Array("tws password pre-hash v1".utf8))

    /// Work factor: 12 in production (about 250 ms a hash here); tests may lower it to the minimum, 4.
    public let cost: UInt8

    public init(cost: UInt8 = 12) { self.cost = cost }

    /// Runs on NIO's blocking pool: a quarter of a second of CPU on the event loop that handles the request (see
    /// `OnItsEventLoop`) would hold every other connection of that loop meanwhile.
    public func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await NIOThreadPool.singleton.runIfActive { Self.hashNow(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async -> Bool {
        (try? await NIOThreadPool.singleton.runIfActive { Self.verifyNow(password, hash: hash) }) ?? false
    }

    static func hashNow(_ password: String, cost: UInt8) -> String { prefix + Bcrypt.hash(preHash(password), cost: cost) }

    static func verifyNow(_ password: String, hash: String) -> Bool {
        if hash.hasPrefix(prefix) {
            let bcrypt = String(hash.dropFirst(prefix.count))
            // A malformed stored hash must fail closed, never crash.
            guard bcrypt.hasPrefix("$2") else { return false }
            return Bcrypt.verify(preHash(password), hash: bcrypt)
        }
        // A hash of the old form: bcrypt would stop reading at a NUL, so such an attempt can only be an impostor's.
        guard hash.hasPrefix("$2"), !password.utf8.contains(0) else { return false }
        return Bcrypt.verify(password, hash: hash)
    }

    public func needsUpgrade(_ hash: String) -> Bool { !hash.hasPrefix(Self.prefix) }

    /// base64(HMAC-SHA256(key, UTF-8 password)).
    static func preHash(_ password: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Array(password.utf8), using: key)).base64EncodedString()
    }
}

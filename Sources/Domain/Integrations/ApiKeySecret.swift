import Crypto
import Foundation

/// The secret of an API key: `tws_k1_` and 32 random bytes in base64url. Only its SHA-256 is stored: the secret is
/// 256 bits of randomness, so a fast hash cannot be brute-forced and a slow one (bcrypt) would only add a cost to
/// every request (unlike a password, which needs bcrypt because people choose guessable ones).
public enum ApiKeySecret {
    public static let marker = "tws_k1_"
    /// Characters of the secret kept in clear as the key's `prefix`: the marker and 6 random characters.
    static let prefixLength = marker.count + 6

    /// A new random secret.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let base64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return marker + base64
    }

    /// Whether `value` has the shape of a key secret (rather than a session token).
    public static func looksLikeSecret(_ value: String) -> Bool { value.hasPrefix(marker) && value.utf8.count <= 128 }

    /// Hex SHA-256 of the secret, as stored.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func prefix(of secret: String) -> String { String(secret.prefix(prefixLength)) }
}

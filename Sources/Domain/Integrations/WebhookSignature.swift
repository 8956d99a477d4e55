import Crypto
import Foundation

/// The `TWS-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, as Stripe signs, so a
/// receiver checks the body and refuses replays of old timestamps.
public enum WebhookSignature {
    /// The header value for `body` sent at `timestamp`.
    public static func header(secret: String, timestamp: Int64, body: String) -> String {
        "t=\(timestamp),v1=\(hex(secret: secret, timestamp: timestamp, body: body))"
    }

    /// The lowercase hex HMAC of `"<timestamp>.<body>"`.
    public static func hex(secret: String, timestamp: Int64, body: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// A new random secret: 32 bytes, hex.
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }
}

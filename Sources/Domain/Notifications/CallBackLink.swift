import Crypto
import Foundation

/// The "call back" link of a missed-call e-mail (issue 20): opened by its user, signed in, it calls the caller back
/// from the user's own device. Single use (claimed in the database, in one transaction) and expiring.
public struct CallBackLink: Sendable, Equatable {
    /// Random, unguessable; the row's key. The token in the link is this id and its signature.
    public var id: String
    public var companyId: Int64
    public var domainId: Int64
    public var userId: Int64
    /// The user's device the call was missed at: the call back is placed from it.
    public var device: String
    /// The caller's number, as the PBX gave it.
    public var number: String
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?

    public init(
        id: String,
        companyId: Int64,
        domainId: Int64,
        userId: Int64,
        device: String,
        number: String,
        createdAt: Date,
        expiresAt: Date,
        usedAt: Date? = nil
    ) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.userId = userId
        self.device = device
        self.number = number
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }
}

/// Signs and checks call-back link tokens: `<id>.<base64url HMAC-SHA256(key, "call-back-link." + id)>`. A token whose
/// signature does not match is refused before the database is asked, like an unknown one.
public struct CallBackLinkSigner: Sendable {
    private let key: SymmetricKey

    /// `secret` is the server's token key material; the link key is derived from it (so a leaked link key is not a
    /// session key): HMAC-SHA256(secret, "tws call-back links v1").
    public init(secret: [UInt8]) {
        let derived = HMAC<SHA256>.authenticationCode(for: Data("tws call-back links v1".utf8), using: SymmetricKey(data: secret))
        key = SymmetricKey(data: Data(derived))
    }

    /// A new random link id: 16 bytes, base64url.
    public static func newId() -> String {
        var generator = SystemRandomNumberGenerator()
        return base64url(Data((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }))
    }

    public func token(id: String) -> String {
        "\(id).\(Self.base64url(Data(mac(id))))"
    }

    /// The link id of a token whose signature is right; nil for anything else (forged, truncated, garbage).
    public func id(of token: String) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 128, parts.count == 2, let signature = Self.decode(String(parts[1])) else { return nil }
        let id = String(parts[0])
        guard !id.isEmpty, HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data(Self.message(id).utf8), using: key) else {
            return nil
        }
        return id
    }

    private func mac(_ id: String) -> HMAC<SHA256>.MAC {
        HMAC<SHA256>.authenticationCode(for: Data(Self.message(id).utf8), using: key)
    }

    private static func message(_ id: String) -> String { "call-back-link.\(id)" }

    static func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> Data? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}

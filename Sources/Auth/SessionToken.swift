import Domain
import Foundation
import JWTKit

/// Claims of a session token. The token only proves who and until when; whether the session is
/// still live (not logged out, user not disabled) is checked in the database, again after any change
/// to sessions or users (`SessionService.user(token:)`).
struct SessionClaims: JWTPayload {
    var jti: IDClaim
    var sub: SubjectClaim
    var kind: String
    var iat: IssuedAtClaim
    var exp: ExpirationClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Signs and verifies session tokens (JWT, HS256) with the server's secret.
public struct TokenIssuer: Sendable {
    private let keys: JWTKeyCollection

    /// `secret` must hold at least 32 random bytes.
    public init(secret: [UInt8]) async throws {
        guard secret.count >= 32 else { throw DomainError.invalid(field: "secret", "The token secret needs at least 32 bytes") }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
    }

    func sign(_ session: Session) async throws -> String {
        try await keys.sign(
            SessionClaims(
                jti: IDClaim(value: session.tokenId),
                sub: SubjectClaim(value: String(session.subjectId)),
                kind: session.kind.rawValue,
                iat: IssuedAtClaim(value: session.createdAt),
                exp: ExpirationClaim(value: session.expiresAt)
            )
        )
    }

    /// The token id and kind of a valid, unexpired token; any defect answers `unauthenticated`.
    func verify(_ token: String) async throws -> (tokenId: String, kind: Session.Kind) {
        guard token.utf8.count <= 4096 else { throw DomainError.unauthenticated }
        do {
            let claims = try await keys.verify(token, as: SessionClaims.self)
            guard let kind = Session.Kind(rawValue: claims.kind) else { throw DomainError.unauthenticated }
            return (claims.jti.value, kind)
        } catch {
            throw DomainError.unauthenticated
        }
    }

    /// A fresh random token id (128 bits, URL-safe).
    static func newTokenId() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

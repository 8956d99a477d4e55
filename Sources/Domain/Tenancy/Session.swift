import Foundation

/// A login session; its id is the `jti` of the session token, so logout revokes the token.
public struct Session: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case user, admin }
    public var id: Int64?
    /// Random identifier carried in the token (never the row id, so ids cannot be guessed).
    public var tokenId: String
    public var kind: Kind
    public var subjectId: Int64
    public var companyId: Int64?
    public var method: String
    public var createdAt: Date
    public var expiresAt: Date
    public var revokedAt: Date?

    public init(
        id: Int64? = nil,
        tokenId: String,
        kind: Kind,
        subjectId: Int64,
        companyId: Int64?,
        method: String,
        createdAt: Date,
        expiresAt: Date,
        revokedAt: Date? = nil
    ) {
        self.id = id
        self.tokenId = tokenId
        self.kind = kind
        self.subjectId = subjectId
        self.companyId = companyId
        self.method = method
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    public func isLive(at now: Date) -> Bool { revokedAt == nil && now < expiresAt }
}

import Foundation

/// A company's API key (issue 19): what a CRM or portal authenticates with instead of a user's password. Only the
/// SHA-256 of its secret is stored; after a rotation the previous secret's hash is kept until `previousSecretUntil`.
public struct ApiKey: CompanyScoped, Codable, Sendable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var name: String
    public var scopes: [ApiKeyScope]
    /// The users of the company the key may act for (`onBehalfOf`), directly …
    public var actsForUsers: [Int64]
    /// … or as members of these groups of the company.
    public var actsForGroups: [Int64]
    public var expiresAt: Date?
    /// CIDR blocks the key is accepted from; empty for any address.
    public var allowedAddresses: [String]
    /// Web origins whose pages may use the key (normalised as `CorsOrigin` does); a request a page of another origin
    /// sends is refused. Empty: no page may (server-side use only).
    public var allowedOrigins: [String] = []
    public var createdAt: Date
    public var lastUsedAt: Date?
    /// Set when revoked: the key stays listed and is refused.
    public var revokedAt: Date?
    /// The first characters of the current secret, for recognition.
    public var prefix: String
    /// Hex SHA-256 of the current secret.
    public var secretHash: String
    /// Hex SHA-256 of the secret before the last rotation, accepted until `previousSecretUntil`.
    public var previousSecretHash: String?
    public var previousSecretUntil: Date?

    public init(
        id: Int64? = nil,
        companyId: Int64,
        name: String,
        scopes: [ApiKeyScope],
        actsForUsers: [Int64] = [],
        actsForGroups: [Int64] = [],
        expiresAt: Date? = nil,
        allowedAddresses: [String] = [],
        createdAt: Date,
        lastUsedAt: Date? = nil,
        revokedAt: Date? = nil,
        prefix: String,
        secretHash: String,
        previousSecretHash: String? = nil,
        previousSecretUntil: Date? = nil
    ) {
        self.id = id
        self.companyId = companyId
        self.name = name
        self.scopes = scopes
        self.actsForUsers = actsForUsers
        self.actsForGroups = actsForGroups
        self.expiresAt = expiresAt
        self.allowedAddresses = allowedAddresses
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
        self.prefix = prefix
        self.secretHash = secretHash
        self.previousSecretHash = previousSecretHash
        self.previousSecretUntil = previousSecretUntil
    }

    /// Not revoked (deleted keys no longer exist): what uses a licence.
    public var isLive: Bool { revokedAt == nil }

    /// The licences a live key uses: a Portal licence for asking callbacks (issue 20), a Toolkit licence for anything
    /// else it may do; a key holding both kinds of scope uses one of each.
    public var licensedApplications: Set<Application> {
        var applications: Set<Application> = []
        if scopes.contains(.callbacksCreate) { applications.insert(.portal) }
        if scopes.isEmpty || scopes.contains(where: { $0 != .callbacksCreate }) { applications.insert(.toolkit) }
        return applications
    }
}

/// A key and its secret, as create and rotate answer them: the only time the secret is shown.
public struct ApiKeyWithSecret: Sendable, Equatable {
    public var key: ApiKey
    public var secret: String
}

/// What an administrator sets on a key; nil fields are left as they are (update) or take their default (create).
public struct ApiKeyChanges: Sendable, Equatable {
    public var name: String?
    public var scopes: [ApiKeyScope]?
    public var actsForUsers: [Int64]?
    public var actsForGroups: [Int64]?
    /// `.some(nil)` removes the expiry.
    public var expiresAt: Date??
    public var allowedAddresses: [String]?
    public var allowedOrigins: [String]?

    public init(
        name: String? = nil,
        scopes: [ApiKeyScope]? = nil,
        actsForUsers: [Int64]? = nil,
        actsForGroups: [Int64]? = nil,
        expiresAt: Date?? = nil,
        allowedAddresses: [String]? = nil,
        allowedOrigins: [String]? = nil
    ) {
        self.name = name
        self.scopes = scopes
        self.actsForUsers = actsForUsers
        self.actsForGroups = actsForGroups
        self.expiresAt = expiresAt
        self.allowedAddresses = allowedAddresses
        self.allowedOrigins = allowedOrigins
    }
}

import Foundation

/// What API keys need stored (issue 19). Storage implements it; Domain tests use an in-memory one.
public protocol ApiKeyRecords {
    func apiKey(id: Int64) throws -> ApiKey?
    /// The key whose current or previous secret hashes to `secretHash` (one indexed read per request).
    func apiKey(secretHash: String) throws -> ApiKey?
    /// A company's keys, revoked ones included, by id.
    func apiKeys(companyId: Int64) throws -> [ApiKey]
    func insert(_ key: ApiKey) throws -> ApiKey
    func update(_ key: ApiKey) throws
    /// The keys not revoked that list web origins (publishable portal keys): their origins pass CORS preflights.
    func liveApiKeysWithOrigins() throws -> [ApiKey]
    /// Sets only the key's `lastUsedAt`.
    func markApiKeyUsed(id: Int64, at time: Date) throws
    @discardableResult func deleteApiKey(id: Int64) throws -> Bool
    /// The enabled users of the company whose user name or e-mail (without regard to case) or external id is
    /// `identifier`: how `onBehalfOf` names a user.
    func users(companyId: Int64, identifiedBy identifier: String) throws -> [User]
}

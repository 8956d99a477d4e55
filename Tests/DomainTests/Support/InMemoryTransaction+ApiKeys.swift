import Domain
import Foundation

// Filters and orders as in Storage's GRDBTransaction+ApiKeyRecords.swift.

extension InMemoryTransaction: ApiKeyRecords {
    func apiKey(id: Int64) throws -> ApiKey? { row(id: id) }

    func apiKey(secretHash: String) throws -> ApiKey? {
        rows(ApiKey.self).first { $0.secretHash == secretHash || $0.previousSecretHash == secretHash }
    }

    func apiKeys(companyId: Int64) throws -> [ApiKey] {
        rows(ApiKey.self).filter { $0.companyId == companyId }.sorted { ($0.id ?? 0) < ($1.id ?? 0) }
    }

    func insert(_ key: ApiKey) throws -> ApiKey { try inserted(key) }
    func update(_ key: ApiKey) throws { try updated(key) }

    func liveApiKeysWithOrigins() throws -> [ApiKey] {
        rows(ApiKey.self).filter { $0.revokedAt == nil && !$0.allowedOrigins.isEmpty }.sorted { ($0.id ?? 0) < ($1.id ?? 0) }
    }

    func markApiKeyUsed(id: Int64, at time: Date) throws {
        guard var key: ApiKey = row(id: id) else { return }
        key.lastUsedAt = time
        try updated(key)
    }
    func deleteApiKey(id: Int64) throws -> Bool { try deleted(ApiKey.self, id: id) }

    func users(companyId: Int64, identifiedBy identifier: String) throws -> [User] {
        rows(User.self).filter { user in
            user.companyId == companyId && user.enabled
                && (SQLiteText.equalNoCase(user.username, identifier) || user.email.lowercased() == identifier.lowercased()
                    || user.externalId == identifier)
        }
        .sorted { ($0.id ?? 0) < ($1.id ?? 0) }
    }
}

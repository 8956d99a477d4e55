import Foundation
import Domain
import GRDB

extension ApiKey: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "api_key"
    public enum Columns {
        static let id = Column("id")
        static let companyId = Column("companyId")
        static let revokedAt = Column("revokedAt")
        static let secretHash = Column("secretHash")
        static let previousSecretHash = Column("previousSecretHash")
    }
}

extension GRDBTransaction: ApiKeyRecords {
    public func apiKey(id: Int64) throws -> ApiKey? { try record(id: id) }

    public func apiKey(secretHash: String) throws -> ApiKey? {
        typealias Columns = ApiKey.Columns
        // Both columns are indexed: SQLite answers the OR with two index lookups.
        return try cachedOne(
            "SELECT * FROM \(ApiKey.self) WHERE \(Columns.secretHash) = \(secretHash) OR \(Columns.previousSecretHash) = \(secretHash) LIMIT 1"
        )
    }

    public func apiKeys(companyId: Int64) throws -> [ApiKey] {
        try all(ApiKey.filter(ApiKey.Columns.companyId == companyId).order(ApiKey.Columns.id))
    }

    public func insert(_ key: ApiKey) throws -> ApiKey { try inserted(key) }
    public func update(_ key: ApiKey) throws { try updated(key) }

    public func liveApiKeysWithOrigins() throws -> [ApiKey] {
        try all(ApiKey.filter(ApiKey.Columns.revokedAt == nil && Column("allowedOrigins") != "[]").order(ApiKey.Columns.id))
    }

    public func markApiKeyUsed(id: Int64, at time: Date) throws {
        _ = try translate { try ApiKey.filter(ApiKey.Columns.id == id).updateAll(db, Column("lastUsedAt").set(to: time)) }
    }

    public func deleteApiKey(id: Int64) throws -> Bool { try deleted(ApiKey.self, id: id) }

    public func users(companyId: Int64, identifiedBy identifier: String) throws -> [User] {
        typealias Columns = User.Columns
        // username is COLLATE NOCASE in the schema; e-mail addresses compare without regard to case as well.
        let request = User.filter(
            Columns.companyId == companyId && Columns.enabled == true
                && (Columns.username == identifier || Columns.email.lowercased == identifier.lowercased() || Columns.externalId == identifier)
        )
        return try all(request.order(Columns.id).limit(10))
    }
}

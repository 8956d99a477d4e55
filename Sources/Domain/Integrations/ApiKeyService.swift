import Foundation
import Synchronization

/// API keys of companies (issue 19): their administration, the check of a key's secret on every request, and what
/// a key may do for a user (`onBehalfOf`). Every write runs in one transaction with its audit line.
public struct ApiKeyService: Sendable {
    /// Why a key's secret was refused; all answer the same 401 as an unknown token.
    public enum Refusal: String, Sendable {
        case unknown, revoked, expired, address
        /// The previous secret, after its overlap ended.
        case rotated
    }

    /// The outcome of `authenticate`: the key's principal, or the reason it was refused.
    public enum Outcome: Sendable, Equatable {
        case accepted(ApiKeyPrincipal)
        case refused(Refusal)
    }

    public static let defaultOverlap = 3600
    public static let maxOverlap = 604_800

    let store: any TenantStore
    let now: @Sendable () -> Date
    /// When each (key, reason) refusal was last audited: a client retrying a revoked key in a loop writes one line a
    /// minute, not one per request (the metric still counts each).
    private let lastRefusalAudit = RefusalAuditTimes()

    public init(store: any TenantStore, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.now = now
    }

    // MARK: Administration

    public func keys(_ admin: AdminPrincipal, companyId: Int64) async throws -> [ApiKey] {
        try admin.requireReady()
        return try await store.read { tx in
            _ = try tx.visibleCompany(companyId, admin)
            return try tx.apiKeys(companyId: companyId)
        }
    }

    public func key(_ admin: AdminPrincipal, companyId: Int64, id: Int64) async throws -> ApiKey {
        try admin.requireReady()
        return try await store.read { tx in try Self.visibleKey(tx, admin, companyId: companyId, id: id) }
    }

    /// Creates a key; its secret is in the answer and nowhere else. Uses one Toolkit licence.
    public func create(
        _ admin: AdminPrincipal,
        companyId: Int64,
        _ changes: ApiKeyChanges,
        clientAddress: String? = nil
    ) async throws -> ApiKeyWithSecret {
        try admin.requireReady()
        guard let name = changes.name else { throw DomainError.invalid(field: "name", "name is required") }
        let secret = ApiKeySecret.generate()
        let now = self.now()
        var key = ApiKey(
            companyId: companyId,
            name: try Check.name(name, field: "name"),
            scopes: [],
            createdAt: now,
            prefix: ApiKeySecret.prefix(of: secret),
            secretHash: ApiKeySecret.hash(secret)
        )
        try Self.apply(changes, to: &key)
        let draft = key
        let saved = try await store.write { tx in
            _ = try tx.visibleCompany(companyId, admin)
            try Self.checkActsFor(draft, tx)
            for application in draft.licensedApplications.sorted(by: { $0.rawValue < $1.rawValue }) {
                let holders = try LicenceLedger.holders(of: application, companyId: companyId, tx)
                try LicenceLedger.check(application, companyId: companyId, holders: holders, tx, extraKeys: 1)
            }
            let saved = try tx.insert(draft)
            _ = try tx.insert(Self.audit(.apiKeyCreated, saved, admin: admin, at: now, clientAddress: clientAddress))
            return saved
        }
        return ApiKeyWithSecret(key: saved, secret: secret)
    }

    public func update(
        _ admin: AdminPrincipal,
        companyId: Int64,
        id: Int64,
        _ changes: ApiKeyChanges,
        clientAddress: String? = nil
    ) async throws -> ApiKey {
        try admin.requireReady()
        if let name = changes.name { _ = try Check.name(name, field: "name") }
        let now = self.now()
        return try await store.write { tx in
            var key = try Self.visibleKey(tx, admin, companyId: companyId, id: id)
            let before = key.isLive ? key.licensedApplications : []
            try Self.apply(changes, to: &key)
            try Self.checkActsFor(key, tx)
            try tx.update(key)
            // New scopes may need a licence the key did not use before (counted with the key as updated).
            for application in (key.isLive ? key.licensedApplications : []).subtracting(before).sorted(by: { $0.rawValue < $1.rawValue }) {
                let holders = try LicenceLedger.holders(of: application, companyId: companyId, tx)
                try LicenceLedger.check(application, companyId: companyId, holders: holders, tx)
            }
            _ = try tx.insert(Self.audit(.apiKeyUpdated, key, admin: admin, at: now, clientAddress: clientAddress))
            return key
        }
    }

    /// Gives the key a new secret; the old one keeps working for `overlapSeconds` (0: not at all).
    public func rotate(
        _ admin: AdminPrincipal,
        companyId: Int64,
        id: Int64,
        overlapSeconds: Int?,
        clientAddress: String? = nil
    ) async throws -> ApiKeyWithSecret {
        try admin.requireReady()
        let overlap = overlapSeconds ?? Self.defaultOverlap
        try Check.range(overlap, 0...Self.maxOverlap, field: "overlapSeconds")
        let secret = ApiKeySecret.generate()
        let now = self.now()
        let key = try await store.write { tx in
            var key = try Self.visibleKey(tx, admin, companyId: companyId, id: id)
            guard key.revokedAt == nil else { throw DomainError.conflict(code: "api_key_revoked", "A revoked key cannot be rotated") }
            key.previousSecretHash = overlap > 0 ? key.secretHash : nil
            key.previousSecretUntil = overlap > 0 ? now.addingTimeInterval(TimeInterval(overlap)) : nil
            key.secretHash = ApiKeySecret.hash(secret)
            key.prefix = ApiKeySecret.prefix(of: secret)
            try tx.update(key)
            var entry = Self.audit(.apiKeyRotated, key, admin: admin, at: now, clientAddress: clientAddress)
            entry.detail = "overlap \(overlap) s"
            _ = try tx.insert(entry)
            return key
        }
        return ApiKeyWithSecret(key: key, secret: secret)
    }

    /// Revokes the key: listed as revoked, refused from the next request on, its Toolkit licence freed.
    public func revoke(_ admin: AdminPrincipal, companyId: Int64, id: Int64, clientAddress: String? = nil) async throws -> ApiKey {
        try admin.requireReady()
        let now = self.now()
        return try await store.write { tx in
            var key = try Self.visibleKey(tx, admin, companyId: companyId, id: id)
            guard key.revokedAt == nil else { return key }
            key.revokedAt = now
            key.previousSecretHash = nil
            key.previousSecretUntil = nil
            try tx.update(key)
            _ = try tx.insert(Self.audit(.apiKeyRevoked, key, admin: admin, at: now, clientAddress: clientAddress))
            return key
        }
    }

    public func delete(_ admin: AdminPrincipal, companyId: Int64, id: Int64, clientAddress: String? = nil) async throws {
        try admin.requireReady()
        let now = self.now()
        try await store.write { tx in
            let key = try Self.visibleKey(tx, admin, companyId: companyId, id: id)
            try tx.deleteApiKey(id: id)
            _ = try tx.insert(Self.audit(.apiKeyDeleted, key, admin: admin, at: now, clientAddress: clientAddress))
        }
    }

    // MARK: Requests made with a key

    /// Checks a secret sent with a request, from `clientAddress`: one indexed read; a refusal of a known key is
    /// audited (never the secret), and the key's `lastUsedAt` moves at most once a minute.
    public func authenticate(secret: String, clientAddress: String?) async throws -> Outcome {
        guard ApiKeySecret.looksLikeSecret(secret) else { return .refused(.unknown) }
        let hash = ApiKeySecret.hash(secret)
        let now = self.now()
        guard let key = try await store.read({ tx in try tx.apiKey(secretHash: hash) }), let keyId = key.id else { return .refused(.unknown) }
        let refusal: Refusal? =
            if key.revokedAt != nil {
                .revoked
            } else if let expiresAt = key.expiresAt, expiresAt <= now {
                .expired
            } else if hash != key.secretHash, (key.previousSecretUntil ?? .distantPast) <= now {
                .rotated
            } else if !Self.allows(key.allowedAddresses, clientAddress) {
                .address
            } else {
                nil
            }
        if let refusal {
            if lastRefusalAudit.due(keyId: keyId, reason: refusal.rawValue, at: now) {
                try await store.write { tx in
                    var entry = Self.audit(.apiKeyRefused, key, admin: nil, at: now, clientAddress: clientAddress)
                    entry.detail = refusal.rawValue
                    _ = try tx.insert(entry)
                }
            }
            return .refused(refusal)
        }
        let stale = key.lastUsedAt.map { now.timeIntervalSince($0) >= 60 } ?? true
        if stale {
            // Only this column: the configuration version does not move for it.
            try await store.write { tx in try tx.markApiKeyUsed(id: keyId, at: now) }
        }
        return .accepted(ApiKeyPrincipal(keyId: keyId, companyId: key.companyId, scopes: Set(key.scopes), allowedOrigins: key.allowedOrigins))
    }

    /// The user a key acts for in an operation needing `scope`: 403 `scope_not_granted` without the scope, 400
    /// `invalid_field` without `onBehalfOf`, 404 `not_found` for a user the key may not act for (unknown, of another
    /// company, or outside its users and groups alike). The principal carries the key's id, and the user's rights,
    /// dialing plan and devices apply as for the user's own token.
    public func actingUser(_ principal: ApiKeyPrincipal, onBehalfOf: String?, needing scope: ApiKeyScope) async throws -> UserPrincipal {
        let now = self.now()
        do {
            try principal.require(scope)
        } catch {
            if lastRefusalAudit.due(keyId: principal.keyId, reason: "scope \(scope.rawValue)", at: now) {
                try await store.write { tx in
                    guard let key = try tx.apiKey(id: principal.keyId) else { return }
                    var entry = Self.audit(.apiKeyRefused, key, admin: nil, at: now, clientAddress: nil)
                    entry.detail = "scope \(scope.rawValue)"
                    _ = try tx.insert(entry)
                }
            }
            throw error
        }
        guard let identifier = onBehalfOf?.trimmingCharacters(in: .whitespaces), !identifier.isEmpty else {
            throw DomainError.invalid(field: "onBehalfOf", "An API key names the user it acts for in onBehalfOf")
        }
        let notFound = DomainError.missing(field: "onBehalfOf", "User \(identifier.prefix(256)) not found")
        return try await store.read { tx in
            // Read the key again: a change of its users or groups applies at once.
            guard let key = try tx.apiKey(id: principal.keyId), key.revokedAt == nil else { throw DomainError.unauthenticated }
            let candidates = try tx.users(companyId: key.companyId, identifiedBy: identifier)
            guard candidates.count == 1, let user = candidates.first, let userId = user.id else { throw notFound }
            if !key.actsForUsers.contains(userId) {
                let groups = try tx.groupIds(ofUser: userId)
                guard !Set(groups).isDisjoint(with: key.actsForGroups) else { throw notFound }
            }
            return UserPrincipal(
                userId: userId,
                domainId: user.domainId,
                companyId: user.companyId,
                sessionTokenId: "api-key-\(principal.keyId)",
                apiKeyId: principal.keyId
            )
        }
    }

    /// A user's own token sending `onBehalfOf`: allowed only when it names the user themself (403 `forbidden`
    /// otherwise, whoever it names, so a user learns nothing about others).
    public func ownUser(_ principal: UserPrincipal, onBehalfOf: String?) async throws -> UserPrincipal {
        guard let onBehalfOf else { return principal }
        // The contract's minLength: an empty value is malformed, not "nobody".
        guard !onBehalfOf.isEmpty else { throw DomainError.invalid(field: "onBehalfOf", "onBehalfOf is empty") }
        let identifier = onBehalfOf.trimmingCharacters(in: .whitespaces)
        guard !identifier.isEmpty else { return principal }
        let isSelf = try await store.read { tx in
            try tx.users(companyId: principal.companyId, identifiedBy: identifier).compactMap(\.id) == [principal.userId]
        }
        guard isSelf else { throw DomainError.forbidden("A user's token acts only for that user; onBehalfOf is for API keys") }
        return principal
    }

    // MARK: Helpers

    static func visibleKey(_ tx: any StoreTransaction, _ admin: AdminPrincipal, companyId: Int64, id: Int64) throws -> ApiKey {
        guard admin.canSee(companyId: companyId), let key = try tx.apiKey(id: id), key.companyId == companyId else {
            throw DomainError.notFound("API key")
        }
        return key
    }

    static func apply(_ changes: ApiKeyChanges, to key: inout ApiKey) throws {
        if let origins = changes.allowedOrigins {
            guard origins.count <= CorsOrigin.maximumCount else {
                throw DomainError.invalid(field: "allowedOrigins", "At most \(CorsOrigin.maximumCount) origins")
            }
            key.allowedOrigins = try Set(origins.enumerated().map { index, origin in
                // The contract takes any text; whether it is an origin is its meaning (422, as for addresses).
                guard let normalised = CorsOrigin.normalised(origin) else {
                    throw DomainError(
                        .unprocessable,
                        code: "invalid_origin",
                        "Not an origin (http or https, a host, an optional port, no path)",
                        field: "allowedOrigins[\(index)]"
                    )
                }
                return normalised
            }).sorted()
        }
        if let name = changes.name { key.name = try Check.name(name, field: "name") }
        if let scopes = changes.scopes { key.scopes = Array(Set(scopes)).sorted() }
        if let users = changes.actsForUsers { key.actsForUsers = Array(Set(users)).sorted() }
        if let groups = changes.actsForGroups { key.actsForGroups = Array(Set(groups)).sorted() }
        if let expiresAt = changes.expiresAt { key.expiresAt = expiresAt }
        if let addresses = changes.allowedAddresses {
            key.allowedAddresses = try addresses.enumerated().map { index, text in
                // The contract's pattern is the shape (400 otherwise); whether those digits make an address and a
                // prefix length that fits it is the meaning (422 `invalid_address`).
                guard AddressRange.hasShape(text) else {
                    throw DomainError.invalid(field: "allowedAddresses[\(index)]", "\(text.prefix(64)) is not an IPv4 or IPv6 address or CIDR block")
                }
                guard AddressRange(text) != nil else {
                    var error = DomainError(.unprocessable, code: "invalid_address", "\(text.prefix(64)) is not an IPv4 or IPv6 address or CIDR block")
                    error.field = "allowedAddresses[\(index)]"
                    throw error
                }
                return text
            }
        }
    }

    /// The users and groups a key acts for must be the company's (404 naming the field otherwise, as for any id
    /// the administrator may not see).
    static func checkActsFor(_ key: ApiKey, _ tx: any StoreTransaction) throws {
        for id in key.actsForUsers where try tx.user(id: id)?.companyId != key.companyId {
            throw DomainError.missing(field: "actsFor.users", "User \(id) not found")
        }
        for id in key.actsForGroups where try tx.group(id: id)?.companyId != key.companyId {
            throw DomainError.missing(field: "actsFor.groups", "Group \(id) not found")
        }
    }

    static func allows(_ ranges: [String], _ clientAddress: String?) -> Bool {
        guard !ranges.isEmpty else { return true }
        guard let clientAddress else { return false }
        return ranges.contains { AddressRange($0)?.contains(clientAddress) ?? false }
    }

    static func audit(_ kind: AuditEntry.Kind, _ key: ApiKey, admin: AdminPrincipal?, at time: Date, clientAddress: String?) -> AuditEntry {
        AuditEntry(
            time: time,
            kind: kind,
            companyId: key.companyId,
            username: admin?.username ?? "api-key \(key.id ?? 0)",
            method: "ApiKey",
            clientAddress: clientAddress,
            detail: "key \(key.id ?? 0) \(key.name)"
        )
    }
}

/// The last time each (key, reason) refusal was written to the audit log.
final class RefusalAuditTimes: Sendable {
    private let times = Mutex<[String: Date]>([:])

    /// Whether a refusal of `keyId` for `reason` at `now` is to be audited (none in the minute before); records it if so.
    func due(keyId: Int64, reason: String, at now: Date) -> Bool {
        times.withLock { times in
            let slot = "\(keyId) \(reason)"
            if let last = times[slot], now.timeIntervalSince(last) < 60, now >= last { return false }
            if times.count > 10_000 { times.removeAll() }
            times[slot] = now
            return true
        }
    }
}

import Foundation

/// The per-company allow-list of browser origins for the REST API (issue 19, CORS): administered per company, and
/// asked by the CORS middleware on every request that carries an `Origin`. The whole list is kept in memory while the
/// store's `configurationVersion` stays the same (a change to the list, or a company deleted, moves it).
public struct CorsPolicy: Sendable {
    let store: any TenantStore
    /// What the lists say, by origin.
    struct AllowList: Sendable {
        /// Origin → the companies that list it.
        var companies: [String: Set<Int64>]
        /// Origins some live publishable key lists (issue 20).
        var keyOrigins: Set<String>
    }

    private let allowList = VersionedCache<Int, AllowList>(capacity: 1)

    public init(store: any TenantStore) {
        self.store = store
    }

    /// The company's origins, sorted; 404 for a company the administrator may not see.
    public func origins(_ admin: AdminPrincipal, companyId: Int64) async throws -> [String] {
        try admin.requireReady()
        return try await store.read { tx in
            _ = try tx.visibleCompany(companyId, admin)
            return try tx.corsOrigins(companyId: companyId).map(\.origin).sorted()
        }
    }

    /// Replaces the company's origins: each normalised (400 `invalid_field`, field `origins`, for one that is not an
    /// origin), duplicates merged, at most `CorsOrigin.maximumCount`. Answers the list as stored.
    public func setOrigins(_ admin: AdminPrincipal, companyId: Int64, _ origins: [String]) async throws -> [String] {
        try admin.requireReady()
        let normalised = try Self.normalised(origins)
        return try await store.write { tx in
            _ = try tx.visibleCompany(companyId, admin)
            try tx.replaceCorsOrigins(companyId: companyId, with: normalised)
            return normalised
        }
    }

    /// `origins` normalised, sorted and without duplicates; 400 `invalid_field` otherwise.
    public static func normalised(_ origins: [String]) throws(DomainError) -> [String] {
        guard origins.count <= CorsOrigin.maximumCount else {
            throw .invalid(field: "origins", "At most \(CorsOrigin.maximumCount) origins")
        }
        var result = Set<String>()
        for origin in origins {
            guard let value = CorsOrigin.normalised(origin) else {
                throw .invalid(field: "origins", "Not an origin (http or https, a host, an optional port, no path)")
            }
            result.insert(value)
        }
        return result.sorted()
    }

    /// The companies whose list holds `origin` (an `Origin` header as a browser sent it); empty for one that no
    /// company lists or that is not an origin.
    public func companies(allowing origin: String) async throws -> Set<Int64> {
        guard let origin = CorsOrigin.normalised(origin) else { return [] }
        return try await list().companies[origin] ?? []
    }

    /// Whether some live publishable key lists `origin` (a page that may ask callbacks with it).
    public func keysAllow(_ origin: String) async throws -> Bool {
        guard let origin = CorsOrigin.normalised(origin) else { return false }
        return try await list().keyOrigins.contains(origin)
    }

    private func list() async throws -> AllowList {
        let version = store.configurationVersion
        if let list = allowList.cached(0, version: version) { return list }
        let list = try await store.read { tx in
            AllowList(
                companies: Dictionary(grouping: try tx.allCorsOrigins(), by: \.origin).mapValues { Set($0.map(\.companyId)) },
                keyOrigins: Set(try tx.liveApiKeysWithOrigins().flatMap(\.allowedOrigins))
            )
        }
        allowList.keep(list, for: 0, version: version)
        return list
    }
}

/// Each domain's compiled dialing plan, shared by everything that dials or shows numbers: click-to-call and transfers
/// (numbers out), the PBX event path and reverse lookups (numbers in). Kept while the store's configuration version
/// stays the same, so an administrator's change applies from the next call or event without anyone reloading it.
public final class DialingPlans: Sendable {
    let store: any TenantStore
    private let cache = VersionedCache<Int64, DialingPlan>()

    public init(store: any TenantStore) {
        self.store = store
    }

    /// The domain's plan, read from the store only after a configuration change.
    public func plan(domainId: Int64) async throws -> DialingPlan {
        let version = store.configurationVersion
        if let plan = cache.cached(domainId, version: version) { return plan }
        return try await store.read { tx in try self.plan(domainId: domainId, version: version, tx) }
    }

    /// The domain's plan inside a transaction that began after `version` was read.
    public func plan(domainId: Int64, version: UInt64, _ tx: any StoreTransaction) throws -> DialingPlan {
        try cache.value(domainId, version: version) { try DialingPlanStore.plan(domainId: domainId, tx) }
    }
}

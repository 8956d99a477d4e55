import Foundation
import Synchronization

/// Reverse lookups for incoming calls, remembered for a minute: a call's delivered, established and cleared events
/// (its Alerter card and its call-log line) ask for the same number, and the PBX event path should not wait on the
/// database each time.
public final class CallerNames: CallerNameResolver {
    let store: any TenantStore
    let plans: DialingPlans
    let lifetime: TimeInterval
    let capacity: Int
    let now: @Sendable () -> Date
    private let cache = Mutex<[String: (identity: CallerIdentity?, expires: Date)]>([:])
    private let parties = Mutex<[String: (name: String?, expires: Date)]>([:])

    public init(
        store: any TenantStore,
        plans: DialingPlans? = nil,
        lifetime: TimeInterval = 60,
        capacity: Int = 10_000,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.plans = plans ?? DialingPlans(store: store)
        self.lifetime = lifetime
        self.capacity = capacity
        self.now = now
    }

    public func callerIdentity(domainId: Int64, device: String, number: String) async -> CallerIdentity? {
        let key = "\(domainId)|\(device)|\(number)"
        let time = now()
        if let hit = cache.withLock({ $0[key] }), hit.expires > time { return hit.identity }
        let identity = try? await store.read { [version = store.configurationVersion] tx -> CallerIdentity? in
            try self.lookup(domainId: domainId, device: device, number: number, version: version, tx)
        }
        cache.withLock { cache in
            if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
            cache[key] = (identity ?? nil, time.addingTimeInterval(lifetime))
        }
        return identity ?? nil
    }

    public func partyName(domainId: Int64, device: String, number: String) async -> String? {
        let key = "\(domainId)|\(device)|\(number)"
        let time = now()
        if let hit = parties.withLock({ $0[key] }), hit.expires > time { return hit.name }
        let name = try? await store.read { [version = store.configurationVersion] tx -> String? in
            // A colleague's device first: diverting parties are mostly internal.
            if let owner = try tx.device(domainId: domainId, number: number), let user = try tx.user(id: owner.userId) {
                return user.displayName
            }
            return try self.lookup(domainId: domainId, device: device, number: number, version: version, tx)?.name
        }
        parties.withLock { parties in
            if parties.count >= capacity { parties.removeAll(keepingCapacity: true) }
            parties[key] = (name ?? nil, time.addingTimeInterval(lifetime))
        }
        return name ?? nil
    }

    /// Reverse lookup of `number` in the directories that name callers of `device`.
    private func lookup(domainId: Int64, device: String, number: String, version: UInt64, _ tx: any StoreTransaction) throws -> CallerIdentity? {
        guard let access = try Self.access(domainId: domainId, device: device, tx), let domain = try tx.domain(id: domainId) else { return nil }
        let plan = try plans.plan(domainId: domainId, version: version, tx)
        return try DirectoryService.lookup(number, plan: plan, access: access, companyId: domain.companyId, tx)
    }

    /// Whose directories name callers of `device`: its owner's, plus those authorised to the phone queue or intercom
    /// groups holding it (admin guide 7.4.2: queue and boss/secretary displays show the names those rights give).
    static func access(domainId: Int64, device: String, _ tx: any StoreTransaction) throws -> DirectoryAccess? {
        var access: DirectoryAccess?
        if let owner = try tx.device(domainId: domainId, number: device) {
            access = try? DirectoryAccess.of(userId: owner.userId, tx)
        }
        var holders: [DirectoryAccess] = []
        for queue in try tx.phoneQueues(domainId: domainId)
        where queue.device.numbers.contains(device) {
            holders.append(try DirectoryAccess.of(grantee: .phoneQueue, id: queue.id!, companyId: queue.companyId, tx))
        }
        for group in try tx.intercomGroups(domainId: domainId)
        where group.devices.contains(where: { $0.numbers.contains(device) }) {
            holders.append(try DirectoryAccess.of(grantee: .intercomGroup, id: group.id!, companyId: group.companyId, tx))
        }
        for holder in holders {
            if access == nil { access = holder } else { access!.directories.merge(holder.directories) { own, _ in own } }
        }
        return access
    }
}

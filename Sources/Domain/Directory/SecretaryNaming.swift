import Foundation
import Synchronization

/// Boss/secretary naming (admin guide 9.1.7): which devices of a domain are bosses' (members of a user group some user
/// holds through `AuthorizeSupervisionInformation`), and the callers of their calls named for the secretaries through
/// the directories of the intercom group the expert parameter `SupervisionInformationGroup` names (domain or default
/// level). Read once per configuration version and domain; names remembered for a minute.
public final class SecretaryNaming: Sendable {
    /// What one domain's configuration says.
    struct Bosses: Sendable {
        var version: UInt64
        var companyId: Int64
        var devices: Set<String>
        /// The intercom group `SupervisionInformationGroup` names; nil when unset or unknown (the boss's own naming).
        var intercomGroupId: Int64?
    }

    let store: any TenantStore
    let plans: DialingPlans
    let lifetime: TimeInterval
    private let domains = Mutex<[Int64: Bosses]>([:])
    private let names = Mutex<[String: (identity: CallerIdentity?, expires: Date)]>([:])

    public init(store: any TenantStore, plans: DialingPlans, lifetime: TimeInterval = 60) {
        self.store = store
        self.plans = plans
        self.lifetime = lifetime
    }

    /// The domain's bosses' devices and naming group, read again when the configuration changed.
    func bosses(domainId: Int64) async -> Bosses? {
        let version = store.configurationVersion
        if let known = domains.withLock({ $0[domainId] }), known.version == version { return known }
        let read = try? await store.read { tx -> Bosses? in
            guard let domain = try tx.domain(id: domainId) else { return nil }
            let groupNames = Set(
                try tx.parameterValues(application: .caller, name: "AuthorizeSupervisionInformation")
                    .filter { $0.companyId == domain.companyId }.map(\.value)
            ).filter { !$0.isEmpty && $0 != "false" }
            var devices = Set<String>()
            for name in groupNames {
                let members = try tx.memberIds(ofGroups: try tx.groups(companyId: domain.companyId, named: name).compactMap(\.id))
                devices.formUnion(try tx.devices(userIds: members).filter { $0.domainId == domainId }.map(\.number))
            }
            let groupName = try tx.parameterValue(scope: .domain, scopeId: domainId, application: .caller, name: "SupervisionInformationGroup")?.value
                ?? ParameterCatalogue.all.first { $0.application == .caller && $0.name == "SupervisionInformationGroup" }?.defaultValue ?? ""
            let group = try groupName.isEmpty ? nil : tx.intercomGroups(domainId: domainId).first { $0.name == groupName }
            return Bosses(version: version, companyId: domain.companyId, devices: devices, intercomGroupId: group?.id)
        }
        guard let bosses = read ?? nil else { return nil }
        domains.withLock { $0[domainId] = bosses }
        return bosses
    }

    /// Who `number` is in the directories of the naming intercom group `groupId`.
    func callerIdentity(domainId: Int64, groupId: Int64, companyId: Int64, number: String) async -> CallerIdentity? {
        let version = store.configurationVersion
        let key = "\(domainId)|\(version)|\(groupId)|\(number)"
        let time = Date()
        if let hit = names.withLock({ $0[key] }), hit.expires > time { return hit.identity }
        let plans = self.plans
        let identity = try? await store.read { tx -> CallerIdentity? in
            let access = try DirectoryAccess.of(grantee: .intercomGroup, id: groupId, companyId: companyId, tx)
            let plan = try plans.plan(domainId: domainId, version: version, tx)
            return try DirectoryService.lookup(number, plan: plan, access: access, companyId: companyId, tx)
        }
        names.withLock { names in
            if names.count >= 10_000 { names.removeAll(keepingCapacity: true) }
            names[key] = (identity ?? nil, time.addingTimeInterval(lifetime))
        }
        return identity ?? nil
    }

    /// The secretaries' copy of a call event about `device` (nil when it is no boss's): the same event, its incoming
    /// caller named through `SupervisionInformationGroup` when set.
    func secretariesEvent(_ event: PushEvent, device: String, domainId: Int64) async -> PushEvent? {
        guard let bosses = await bosses(domainId: domainId), bosses.devices.contains(device) else { return nil }
        guard let groupId = bosses.intercomGroupId, var call = event.call, call.direction == .incoming, let peer = call.peerNumber, !peer.isEmpty
        else { return event }
        let identity = await callerIdentity(domainId: domainId, groupId: groupId, companyId: bosses.companyId, number: peer)
        call.peerName = identity?.name
        if call.caller != nil { call.caller = ScreenPopCaller(number: peer, identity: identity) }
        var copy = event
        copy.call = call
        return copy
    }
}

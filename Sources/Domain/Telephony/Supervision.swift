/// Which PBX link supervises which device: the plan the server applies to its links at start, every few seconds, and
/// at once after an administrator changes links, devices, intercom groups or queues.
public struct Supervision: Sendable {
    let store: any TenantStore
    /// The links, which carry out the plan and report their states.
    public let links: any SwitchSupervisor

    public init(store: any TenantStore, links: any SwitchSupervisor) {
        self.store = store
        self.links = links
    }

    /// Plans again and applies the plan to the links; the error, when the plan cannot be read, is the caller's to log.
    public func replan() async throws {
        await links.apply(try await plan())
    }

    /// Which devices each PBX link of each domain supervises: user devices, then intercom-group devices, then phone-queue
    /// devices, without duplicates, spread over the domain's links in id order up to each link's capacity.
    public func plan() async throws -> [LinkAssignment] {
        try await store.read { tx in
            let links = try tx.allPbxLinks()
            var plan: [LinkAssignment] = []
            for (domainId, domainLinks) in Dictionary(grouping: links, by: \.domainId).sorted(by: { $0.key < $1.key }) {
                var remaining = try SupervisedDevices.of(domainId: domainId, tx)[...]
                for link in domainLinks {
                    let take = remaining.prefix(max(0, link.capacity))
                    remaining = remaining.dropFirst(take.count)
                    plan.append(LinkAssignment(link: link, devices: Array(take)))
                }
            }
            return plan
        }
    }
}

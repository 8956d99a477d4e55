import Domain
import Logging
import Synchronization

/// All PBX links of the server: starts, reconfigures and stops one `CSTALink` per stored PbxLink, and routes Domain's
/// commands to the link that supervises the device.
///
/// The links run as child tasks of `run()` (a Service of the server); `apply` hands new links to it and stops old ones
/// through their `LinkSwitch`, so no link outlives the server's service group.
public final class PbxLinks: SwitchSupervisor {
    private struct Running {
        var link: CSTALink
        var record: PbxLink
        var power: LinkSwitch
    }

    private let logger: Logger
    private let onEvent: @Sendable (Int64, SwitchEvent) async -> Void
    private let tune: @Sendable (inout CSTALinkConfiguration) -> Void
    private let running = Mutex<[Int64: Running]>([:])
    private let starts: AsyncStream<(CSTALink, LinkSwitch)>
    private let startQueue: AsyncStream<(CSTALink, LinkSwitch)>.Continuation

    /// - Parameters:
    ///   - tune: adjusts each link's configuration (timeouts, keep-alive) before it starts; tests shorten them.
    ///   - onEvent: receives every link's events with the link's domain, in each link's PBX order.
    public init(
        logger: Logger,
        tune: @escaping @Sendable (inout CSTALinkConfiguration) -> Void = { _ in },
        onEvent: @escaping @Sendable (Int64, SwitchEvent) async -> Void
    ) {
        self.logger = logger
        self.tune = tune
        self.onEvent = onEvent
        (starts, startQueue) = AsyncStream.makeStream(of: (CSTALink, LinkSwitch).self)
    }

    /// Runs every link `apply` starts until `stop()`; then closes them all and returns.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for await (link, power) in starts {
                group.addTask { await power.run(link) }
            }
            group.cancelAll()
        }
        running.withLock { $0 = [:] }
    }

    /// Stops every link (the server is shutting down): `run()` returns once they have closed.
    public func stop() {
        startQueue.finish()
    }

    /// Makes the running links match `assignments`: new links start, removed or moved ones stop, device lists update.
    public func apply(_ assignments: [LinkAssignment]) async {
        var stale: [Running] = []
        var updates: [(CSTALink, [String])] = []
        running.withLock { running in
            let wanted = Dictionary(assignments.compactMap { a in a.link.id.map { ($0, a) } }, uniquingKeysWith: { first, _ in first })
            for (id, current) in running where wanted[id].map({ !Self.sameEndpoint($0.link, current.record) }) ?? true {
                stale.append(current)
                running[id] = nil
            }
            for (id, assignment) in wanted {
                if let current = running[id] {
                    updates.append((current.link, assignment.devices))
                    continue
                }
                var configuration = CSTALinkConfiguration(
                    linkId: id,
                    domainId: assignment.link.domainId,
                    host: assignment.link.host,
                    port: assignment.link.port,
                    applicationSession: CSTALinkConfiguration.needsApplicationSession(pbxType: assignment.link.pbxType)
                        ? .init(userName: assignment.link.username.isEmpty ? nil : assignment.link.username, password: assignment.link.password)
                        : nil
                )
                tune(&configuration)
                let domainId = assignment.link.domainId
                let onEvent = self.onEvent
                let link = CSTALink(configuration: configuration, devices: assignment.devices, logger: logger) { event in
                    await onEvent(domainId, event)
                }
                let power = LinkSwitch()
                running[id] = Running(link: link, record: assignment.link, power: power)
                // After `stop()` nothing runs it: the switch is then closed already, so removing it later cannot wait.
                if case .terminated = startQueue.yield((link, power)) { power.neverStarted() }
            }
        }
        for old in stale { await old.power.turnOff() }
        // Devices of a stopped link that no running link takes over are released now (their calls end and their
        // presence is out of service), not left waiting for a reconnection that will never come.
        let supervised = Set(assignments.flatMap(\.devices))
        for old in stale {
            for device in old.link.status.devices where !supervised.contains(device) {
                await onEvent(old.record.domainId, .released(device: device))
            }
        }
        for (link, devices) in updates where !link.wants(exactly: devices) {
            await link.setDevices(devices)
        }
    }

    private static func sameEndpoint(_ a: PbxLink, _ b: PbxLink) -> Bool {
        a.host == b.host && a.port == b.port && a.domainId == b.domainId && a.pbxType == b.pbxType && a.username == b.username
            && a.password == b.password
    }

    /// The link of `domainId` that supervises `device`.
    public func link(for device: String, domainId: Int64) -> CSTALink? {
        running.withLock { running in
            running.values.first { $0.record.domainId == domainId && $0.link.supervises(device) }?.link
        }
    }

    public var links: [CSTALink] {
        running.withLock { running in running.values.sorted { $0.record.id ?? 0 < $1.record.id ?? 0 }.map(\.link) }
    }

    public func execute(_ command: SwitchCommand, domainId: Int64) async throws(SwitchError) -> SwitchReply {
        guard let link = link(for: command.device, domainId: domainId) else { throw .notConnected(command.device) }
        return try await link.execute(command)
    }

    public func linkStates() -> [PbxLinkState] {
        running.withLock { running in
            running.values.sorted { $0.record.id ?? 0 < $1.record.id ?? 0 }.map { entry in
                // Not `status`: it copies every device of the link, and this is read by every GET of the links.
                let link = entry.link
                let health = link.health
                return PbxLinkState(
                    linkId: link.configuration.linkId,
                    domainId: link.configuration.domainId,
                    host: link.configuration.host,
                    port: link.configuration.port,
                    connected: health.connected,
                    current: health.monitored,
                    capacity: entry.record.capacity,
                    lastError: health.lastError,
                    reconnects: health.reconnects
                )
            }
        }
    }

    public func deviceStates(domainId: Int64) -> [DeviceSupervisionState] {
        let links = running.withLock { running in running.values.filter { $0.record.domainId == domainId }.map(\.link) }
        var states: [DeviceSupervisionState] = []
        for link in links {
            let status = link.status
            for device in status.devices {
                let monitored = status.monitored.contains(device)
                let reason = monitored ? nil : (status.refused[device] ?? (status.connected ? "monitor pending" : (status.lastError ?? "link down")))
                states.append(
                    DeviceSupervisionState(device: device, linkId: status.linkId, provider: status.host, connected: monitored, reason: reason)
                )
            }
        }
        return states.sorted { $0.device < $1.device }
    }
}

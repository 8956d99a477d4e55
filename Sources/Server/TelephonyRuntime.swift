import Domain
import Endpoints
import Foundation
import Logging
import ServiceLifecycle
import Storage
import Telephony

extension EventBus: PushPublisher {}

/// The telephony side of one server process: the event bus, the PBX links and the telephony service, plus the
/// background work they need (re-planning which link supervises which device, call-log retention).
final class TelephonyRuntime: Service {
    let bus: EventBus
    let service: TelephonyService<AppDatabase>
    let links: PbxLinkManager
    private let logger: Logger
    private let refreshInterval: Duration

    /// - Parameter tune: adjusts each PBX link's timeouts before it starts (tests shorten them).
    init(
        database: AppDatabase,
        logger: Logger,
        bus: EventBus = EventBus(),
        refreshInterval: Duration = .seconds(10),
        callTiming: CallModel.Timing = CallModel.Timing(),
        tune: @escaping @Sendable (inout CSTALinkConfiguration) -> Void = { _ in }
    ) {
        let service = TelephonyService(store: database, publisher: bus, callerNames: CallerNames(store: database), callTiming: callTiming)
        self.bus = bus
        self.service = service
        self.links = PbxLinkManager(logger: logger, tune: tune) { domainId, event in
            await service.handle(domainId: domainId, event)
        }
        self.logger = logger
        self.refreshInterval = refreshInterval
        service.attach(links)
    }

    /// Starts, stops and re-targets links to match the stored links, devices, intercom groups and queues.
    func refresh() async {
        await service.reloadDialingPlans()
        do {
            await links.apply(try await service.supervisionPlan())
        } catch {
            logger.error("cannot plan PBX supervision", metadata: ["error": "\(error)"])
        }
    }

    func run() async throws {
        await refresh()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.superviseLoop() }
            group.addTask { await self.retentionLoop() }
            group.addTask { await self.callSweepLoop() }
            await group.waitForAll()
        }
        await links.shutdown()
        // The calls that ended last still get their call-log rows.
        await service.flushCallLogs()
    }

    private func superviseLoop() async {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.refreshInterval) } } catch { return }
            await refresh()
        }
    }

    /// Once a second: failed calls leave their lines, calls of a link that stayed down end, silent calls are checked.
    private func callSweepLoop() async {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) } } catch { return }
            await service.sweepCalls()
        }
    }

    /// Checks once a minute whether it is a domain's `CallLog-StartCleaningHour`.
    private func retentionLoop() async {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let now = Date()
            let toNextMinute = 60 - now.timeIntervalSince1970.truncatingRemainder(dividingBy: 60)
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(toNextMinute)) } } catch { return }
            do {
                let deleted = try await service.cleanCallLogs(now: Date())
                if deleted > 0 { logger.info("call logs cleaned", metadata: ["deleted": "\(deleted)"]) }
            } catch {
                logger.error("call-log cleaning failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

import Domain
import Foundation
import Logging
import ServiceLifecycle
import Storage
import Telephony

/// The telephony side's periodic work: planning which link supervises which device (at start, then every
/// `refreshInterval`), sweeping the call models every second, and call-log and statistics retention at each domain's
/// cleaning hours.
struct TelephonyUpkeep: Service {
    let supervision: Supervision
    let events: CallEventPipeline
    let links: PbxLinks
    let history: CallHistory
    /// Statistics retention (issue 21, admin guide 10.2.2).
    let statistics: StatisticsService
    let refreshInterval: Duration
    let logger: Logger

    func run() async throws {
        await replan()
        await withDiscardingTaskGroup { group in
            group.addTask { await every(refreshInterval) { await replan() } }
            // Failed calls leave their lines, calls of a link that stayed down end, silent calls are checked.
            group.addTask { await every(.seconds(1)) { await events.sweepCalls(asking: links) } }
            group.addTask { await cleanCallLogsEachMinute() }
        }
    }

    /// Plans supervision again and applies it to the links.
    func replan() async {
        do {
            try await supervision.replan()
        } catch {
            logger.error("cannot plan PBX supervision", metadata: ["error": "\(error)"])
        }
    }

    /// Runs `work` every `interval` until graceful shutdown.
    private func every(_ interval: Duration, _ work: () async -> Void) async {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } } catch { return }
            await work()
        }
    }

    /// Checks at the start of every minute whether it is a domain's `CallLog-StartCleaningHour` or
    /// `Stats-StartCleaningHour`.
    private func cleanCallLogsEachMinute() async {
        await atEveryMinute {
            let now = Date()
            do {
                let deleted = try await history.cleanCallLogs(now: now)
                if deleted > 0 { logger.info("call logs cleaned", metadata: ["deleted": "\(deleted)"]) }
            } catch {
                logger.error("call-log cleaning failed", metadata: ["error": "\(error)"])
            }
            do {
                let deleted = try await statistics.clean(now: now)
                if deleted > 0 { logger.info("statistics cleaned", metadata: ["deletedHours": "\(deleted)"]) }
            } catch {
                logger.error("statistics cleaning failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

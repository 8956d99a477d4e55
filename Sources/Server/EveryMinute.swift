import Foundation
import ServiceLifecycle

/// Runs `work` at the start of every wall-clock minute until graceful shutdown: the cadence of the jobs that fire at
/// an hour and minute the administrator chose (directory synchronisations, call-log retention).
func atEveryMinute(_ work: () async -> Void) async {
    while !Task.isCancelled, !Task.isShuttingDownGracefully {
        let toNextMinute = 60 - Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 60)
        do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(toNextMinute)) } } catch { return }
        await work()
    }
}

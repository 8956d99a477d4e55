import ArgumentParser
import Domain
import Endpoints
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import Storage
import Telephony

/// `tws-server`: serve, back up and restore the Telephony Web Services gateway.
@main
struct TWSServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tws-server",
        abstract: "Telephony Web Services gateway: REST and SOAP in front of company PBXs.",
        subcommands: [Serve.self, Backup.self, Restore.self],
        defaultSubcommand: Serve.self
    )
}

/// Bootstraps JSON logging once per process (swift-log refuses a second bootstrap).
func bootstrapLogging(_ level: String) -> Logger {
    let level = Logger.Level(rawValue: level) ?? .info
    LoggingSystem.bootstrap { label in
        var handler = JSONLogHandler(label: label)
        handler.logLevel = level
        return handler
    }
    var logger = Logger(label: "tws")
    logger.logLevel = level
    return logger
}

/// Bootstraps swift-metrics once per process (it refuses a second bootstrap) onto a Prometheus registry, which
/// `GET /metrics` then serves: the server's own metrics and any a library records through swift-metrics.
func bootstrapMetrics() -> PrometheusCollectorRegistry {
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    return registry
}

/// Sizes NIO's shared blocking pool once per process, before its first use. Every blocking C call runs there (libldap,
/// GSSAPI, unixODBC, directory files), and most of them wait on another server (a bind to a silent directory waits up to
/// its time-outs), so it has more threads than cores. NIO_SINGLETON_BLOCKING_POOL_THREAD_COUNT, when set, wins.
func sizeBlockingPool() {
    guard ProcessInfo.processInfo.environment["NIO_SINGLETON_BLOCKING_POOL_THREAD_COUNT"] == nil else { return }
    NIOSingletons.blockingPoolThreadCountSuggestion = max(16, System.coreCount)
}

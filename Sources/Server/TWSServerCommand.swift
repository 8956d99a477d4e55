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

/// Options every subcommand shares.
struct CommonOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "JSON configuration file (keys: host, port, dataDirectory, logLevel, tokenSecret, bcryptCost, loginBurst, loginPerSecond, loginLockUserFailures, loginLockAddressFailures, loginLockMinutes, pushPort, metricsToken, …; see README)."
    )
    var config: String?

    @Option(name: .customLong("data-dir"), help: "Directory holding tws.sqlite and token.key (overrides the file and TWS_DATA_DIR).")
    var dataDirectory: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    func load() throws -> AppConfiguration {
        var configuration = try AppConfiguration.load(file: config)
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        if let logLevel { configuration.logLevel = logLevel }
        try configuration.validate()
        return configuration
    }
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

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (REST and SOAP on the configured port).")

    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "Address to listen on.") var host: String?
    @Option(name: .long, help: "Port of the REST and SOAP API (0 picks a free one).") var port: Int?
    @Flag(
        name: .long,
        help: "Seed a demo company, domain, users, groups and rights on an empty database (a temporary one unless --data-dir is given)."
    )
    var demo = false
    @Option(
        name: .customLong("demo-pbx-style"),
        help: "With --demo: how the simulated PBX speaks, plain (tidy ECMA-323) or real (the manners of real switches such as OpenScape)."
    )
    var demoPBXStyle = "plain"

    func validate() throws {
        guard SimulatorStyle(rawValue: demoPBXStyle) != nil else { throw ValidationError("--demo-pbx-style must be plain or real") }
    }

    func run() async throws {
        sizeBlockingPool()
        var configuration = try common.load()
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if demo && common.dataDirectory == nil && ProcessInfo.processInfo.environment["TWS_DATA_DIR"] == nil && common.config == nil {
            configuration.dataDirectory =
                FileManager.default.temporaryDirectory.appendingPathComponent("tws-demo-\(UUID().uuidString.prefix(8))").path
        }
        if demo && configuration.bcryptCost > 10 { configuration.bcryptCost = 10 }
        try configuration.validate()
        let logger = bootstrapLogging(configuration.logLevel)
        let database = try AppDatabase.open(directory: URL(fileURLWithPath: configuration.dataDirectory))
        var options = ServerOptions()
        options.metrics = bootstrapMetrics()
        if demo {
            // The simulated PBX where the seeded link points, with a little traffic so events flow.
            let style = SimulatorStyle(rawValue: demoPBXStyle) ?? .plain
            options.leadingServices = [DemoPBX(port: DemoSeed.pbxPort, devices: DemoSeed.deviceNumbers, style: style, logger: logger)]
        }
        let server = try await buildServer(configuration: configuration, database: database, logger: logger, options: options)
        if demo {
            var seeded = false
            do {
                try await DemoSeed.seed(server.services)
                seeded = true
            } catch let error as DomainError where error.kind == .unauthorized {
                logger.notice("demo data not seeded: the database already has an administrator password")
            }
            Self.printDemo(configuration, seeded: seeded)
        }
        let group = server.serviceGroup(logger: logger)
        try await group.run()
        // Last: every service that writes (the call-log writer above all) has stopped.
        try database.close()
    }

    static func printDemo(_ configuration: AppConfiguration, seeded: Bool) {
        // Written straight to the file descriptor: print() is block-buffered when stdout is a pipe.
        let base = "http://\(configuration.host == "0.0.0.0" ? "127.0.0.1" : configuration.host):\(configuration.port)"
        FileHandle.standardOutput.write(
            Data(
                """

                TWS demo \(seeded ? "seeded" : "reused") in \(configuration.dataDirectory)
                  REST        \(base)/api/v1   (contract: \(base)/openapi.yaml)
                  SOAP        \(base)/soap     (WSDL: \(base)/soap?wsdl)
                  Health      \(base)/health
                  Push        ws://\(configuration.host == "0.0.0.0" ? "127.0.0.1" : configuration.host):\(configuration.pushPort)/events?access_token=TOKEN
                  PBX         simulator on 127.0.0.1:\(DemoSeed.pbxPort), placing a call every few seconds between 1001–1020
                  Admin       \(DemoSeed.adminUsername) / \(DemoSeed.adminPassword)
                  Users       amartin, bbernard, cdubois, … (20 users, devices 1001–1020) / \(DemoSeed.userPassword)
                  Company     \(DemoSeed.companyName), domain \(DemoSeed.domainName)

                Try:
                  TOKEN=$(curl -s -X POST \(base)/api/v1/auth/login -H 'Content-Type: application/json' \\
                    -d '{"username":"amartin","password":"\(DemoSeed.userPassword)"}' | sed -n 's/.*"token" *: *"\\([^"]*\\)".*/\\1/p')
                  curl -s -X POST \(base)/api/v1/calls -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"number":"1002"}'
                  curl -s \(base)/api/v1/telephony/presence -H "Authorization: Bearer $TOKEN"

                """.utf8
            )
        )
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Copy the live database to FILE (SQLite online backup; the server may keep running).")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The backup file to create (must not exist).") var file: String

    func run() async throws {
        let configuration = try common.load()
        let database = try AppDatabase.open(directory: URL(fileURLWithPath: configuration.dataDirectory))
        try database.backup(to: URL(fileURLWithPath: file))
        print("backed up \(configuration.dataDirectory)/tws.sqlite to \(file)")
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Replace the database with a backup made by `backup` (stop the server first).")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The backup file to restore.") var file: String

    func run() async throws {
        let configuration = try common.load()
        let database = try AppDatabase.open(directory: URL(fileURLWithPath: configuration.dataDirectory))
        try database.restore(from: URL(fileURLWithPath: file))
        print("restored \(file) into \(configuration.dataDirectory)/tws.sqlite")
    }
}

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

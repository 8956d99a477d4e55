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
            var portalKey: String?
            do {
                portalKey = try await DemoSeed.seed(server.services, origin: Self.demoBase(configuration))
            } catch let error as DomainError where error.kind == .unauthorized {
                logger.notice("demo data not seeded: the database already has an administrator password")
            }
            Self.printDemo(configuration, portalKey: portalKey)
        }
        let group = server.serviceGroup(logger: logger)
        try await group.run()
        // Last: every service that writes (the call-log writer above all) has stopped.
        try database.close()
    }

    /// The demo's address as a browser on this machine reaches it.
    static func demoBase(_ configuration: AppConfiguration) -> String {
        "http://\(configuration.host == "0.0.0.0" ? "127.0.0.1" : configuration.host):\(configuration.port)"
    }

    static func printDemo(_ configuration: AppConfiguration, portalKey: String?) {
        // Written straight to the file descriptor: print() is block-buffered when stdout is a pipe.
        let seeded = portalKey != nil
        let base = demoBase(configuration)
        let widget = portalKey.map { "\(base)/widget/demo.html?key=\($0)&group=Sales   (agents 1001–1003 and visitors answer by themselves)" }
            ?? "\(base)/widget/demo.html (the portal key was shown when the demo was seeded)"
        FileHandle.standardOutput.write(
            Data(
                """

                TWS demo \(seeded ? "seeded" : "reused") in \(configuration.dataDirectory)
                  REST        \(base)/api/v1   (contract: \(base)/openapi.yaml)
                  SOAP        \(base)/soap     (WSDL: \(base)/soap?wsdl)
                  Health      \(base)/health
                  Web client  \(base)/app/   (sign in as a user below)
                  Call me back \(widget)
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

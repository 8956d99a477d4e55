import Auth
import Connectors
import Domain
import Endpoints
import Foundation
import Hummingbird
import Logging
import Storage

/// The services of one server process over one database.
typealias AppServices = TWSServices<AppDatabase>

/// Builds the services: boot admin on a new database, bcrypt, token key, authenticators.
func buildServices(
    configuration: AppConfiguration,
    database: AppDatabase,
    logger: Logger,
    telephony: TelephonyRuntime? = nil
) async throws -> AppServices {
    let hasher = BcryptHasher(cost: UInt8(configuration.bcryptCost))
    let secret = try tokenSecret(configuration: configuration)
    let tokens = try await TokenIssuer(secret: secret)
    let admin = AdminService(store: database, hasher: hasher)
    try await admin.ensureBootAdmin()
    let sessions = try SessionService(
        store: database,
        hasher: hasher,
        tokens: tokens,
        authenticators: [TWSPasswordAuthenticator(hasher: hasher), LDAPAuthenticator(logger: logger), NoAuthenticator(logger: logger)],
        loginGuard: LoginGuard(
            limits: .init(
                userFailures: configuration.loginLockUserFailures,
                addressFailures: configuration.loginLockAddressFailures,
                window: configuration.loginLockMinutes * 60,
                lockDuration: configuration.loginLockMinutes * 60
            )
        )
    )
    var negotiate: NegotiateAcceptor?
    if let keytab = configuration.negotiateKeytab, !keytab.isEmpty {
        let realms = Set(configuration.negotiateRealms.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        guard !realms.isEmpty else { throw ConfigurationError("negotiateRealms must name the Kerberos realms (and NTLM domains) allowed to sign in") }
        do {
            negotiate = try NegotiateAcceptor(
                configuration: .init(
                    keytab: keytab,
                    serviceName: configuration.negotiateService,
                    ntlmUserFile: configuration.negotiateNTLMUsers,
                    realms: realms
                )
            )
        } catch {
            throw ConfigurationError("Windows sign-in: \(error)")
        }
    }
    let connector = directoryConnector(configuration: configuration)
    let synchronizer = DirectorySynchronizer(store: database, connector: connector)
    if let bus = telephony?.bus {
        // Progress and the end of each synchronisation, to the users who read the directory.
        await synchronizer.onProgress { domainId, directoryId, report in
            _ = bus.publish(
                domainId: domainId,
                audience: .directory(directoryId),
                event: PushEvent(type: .directorySync, time: Date(), directorySync: DirectorySyncPayload(directoryId: directoryId, report: report))
            )
        }
    }
    return TWSServices(
        admin: admin,
        sessions: sessions,
        profiles: UserProfileService(store: database),
        telephony: telephony?.service,
        supervisor: telephony?.links,
        negotiate: negotiate,
        directoryAdmin: DirectoryAdminService(store: database, synchronizer: synchronizer),
        userImports: UserImportService(store: database, connector: connector)
    )
}

/// Builds the application listening on the configured host and port, as `serve` runs it and tests use it.
/// `metrics` adds `GET /metrics` (the server passes what it runs; tests may leave it out).
func buildApplication(
    configuration: AppConfiguration,
    services: AppServices,
    metrics: ServerMetrics? = nil,
    logger: Logger
) throws -> some ApplicationProtocol {
    let router = try buildRouter(
        services: services,
        loginLimits: .init(burst: configuration.loginBurst, perSecond: configuration.loginPerSecond),
        metrics: metrics.map { metrics in MetricsEndpoint(token: configuration.metricsToken, requests: metrics.requests) { metrics.collect() } },
        trustedProxies: configuration.trustedProxyAddresses,
        logger: logger
    )
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "tws"),
        logger: logger
    )
}

/// The token secret from configuration, or the key file of the data directory (created once, mode 0600).
func tokenSecret(configuration: AppConfiguration) throws -> [UInt8] {
    if let secret = configuration.tokenSecret { return Array(secret.utf8) }
    let directory = URL(fileURLWithPath: configuration.dataDirectory)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let file = directory.appendingPathComponent("token.key")
    if let existing = try? Data(contentsOf: file), existing.count >= 32 { return Array(existing) }
    var generator = SystemRandomNumberGenerator()
    let key = (0..<48).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    guard FileManager.default.createFile(atPath: file.path, contents: Data(key), attributes: [.posixPermissions: 0o600]) else {
        throw ConfigurationError("cannot write the token key \(file.path)")
    }
    return key
}

/// The push channel (port `pushPort`): events of the telephony runtime, for signed-in users.
func buildPushTransport(services: AppServices, telephony: TelephonyRuntime, logger: Logger) -> PushTransport {
    let sessions = services.sessions
    let telephonyService = telephony.service
    return PushTransport(
        bus: telephony.bus,
        authenticate: { token in try await sessions.user(token: token) },
        audience: { user in try await telephonyService.pushFilter(user) },
        logger: logger
    )
}

/// The push channel's application on the configured host and `pushPort`.
func buildPushApplication(configuration: AppConfiguration, transport: PushTransport, logger: Logger) -> some ApplicationProtocol {
    buildPushApplication(transport, host: configuration.host, port: configuration.pushPort, logger: logger)
}

/// The connectors of LDAP, SQL (ODBC) and CSV directories; CSV files and SQLite databases must be in the import
/// folder (created if missing), ODBC drivers in Debian's driver folders.
func directoryConnector(configuration: AppConfiguration) -> any DirectoryConnector {
    try? FileManager.default.createDirectory(at: configuration.importFolder, withIntermediateDirectories: true)
    return DirectoryConnectors(importFolder: configuration.importFolder)
}

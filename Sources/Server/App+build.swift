import Auth
import Connectors
import Domain
import Endpoints
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals
import Storage
import Telephony

/// The services of one server process over one database.
typealias AppServices = TWSServices

/// What a server is built with beyond its configuration: tests shorten timings, and may stand in for the PBX side.
struct ServerOptions: Sendable {
    /// How often supervision is planned again (links, devices, groups and queues changed elsewhere).
    var refreshInterval: Duration = .seconds(10)
    var callTiming = CallModel.Timing()
    /// Adjusts each PBX link's timeouts before it starts (tests shorten them).
    var tuneLinks: @Sendable (inout CSTALinkConfiguration) -> Void = { _ in }
    /// Carries call control's commands instead of the PBX links (tests that record them).
    var gateway: (any SwitchGateway)?
    /// False leaves the PBX side unconnected: stored links are planned but never dialled, and commands answer
    /// `pbx_unavailable`. For tests of the API alone, whose links name made-up hosts: resolving those blocks on DNS.
    var connectsLinks = true
    /// False leaves out the synchronisation scheduler: tests of the API start synchronisations themselves, and one the
    /// scheduler started at a minute's turn would answer their request `sync_running`.
    var schedulesSynchronisations = true
    /// Long-lived work to start before the server's own and stop after it (demo mode's simulated PBX).
    var leadingServices: [any Service] = []
    /// The registry `GET /metrics` serves: `serve` passes the one it bootstrapped swift-metrics with, tests get a new one.
    var metrics = PrometheusCollectorRegistry()
    /// Calendar presence (issue 21): the clock events are compared with (tests move it and wake the refresher), the
    /// longest the refresher sleeps without looking at it, and what reads calendars instead of CalDAV.
    var calendarClock: @Sendable () -> Date = Date.init
    var calendarMaxSleep: Duration = .seconds(60)
    var calendarSource: (any CalendarSource)?
}

/// One server process, as `serve`, `--demo` and the integration tests all build it (`buildServer`): the services the
/// endpoints call, the two listeners, and every long-lived loop as a Service, in one group.
struct TWSServer: Sendable {
    /// The store it was built over (tests write what no endpoint writes yet, and restart a server on it).
    let database: AppDatabase
    let services: AppServices
    let bus: EventBus
    let events: CallEventPipeline
    let callLogs: CallLogWriter
    let links: PbxLinks
    let push: PushTransport
    /// Forward verification (TRANSFERVERIFICATION), which the rule engine consults.
    let verifier: ForwardVerifier
    let metrics: ServerMetrics
    /// Port 8000: REST, SOAP, contract documents, health, metrics.
    let api: any ApplicationProtocol
    /// Reverse lookups answered on the event loop (`DirectoryLookupHandler`), when connections run there.
    let lookups: DirectoryLookups?
    /// Port 9000: WebSocket and long-poll events.
    let pushApplication: any ApplicationProtocol
    /// Everything long-lived other than the listeners, in start order.
    let background: [any Service]
    /// Webhooks (issue 19): the outbox events are written to, and what sends them.
    let webhookOutbox: WebhookOutbox
    let webhookDispatcher: WebhookDispatcher
    /// Missed-call e-mails (issue 20): what sends the mail outbox.
    let mailDispatcher: MailDispatcher
    /// Calendar presence (issue 21): what reads the calendars and pushes their changes.
    let calendarRefresher: CalendarRefresher

    /// The one service group. Services stop in reverse order on SIGTERM/SIGINT: the listeners stop accepting and drain
    /// their requests first, then the synchronisations, the telephony upkeep and the PBX links, and the call-log
    /// writer last, once every line queued by the calls that ended is written; storage closes when the group returns.
    /// Tests leave out the listeners (they reach the API through the router) and the signals.
    static let gracefulShutdownLimit = Duration.seconds(30)

    func serviceGroup(listeners: Bool = true, signals: [UnixSignal] = [.sigterm, .sigint], logger: Logger) -> ServiceGroup {
        let running = background + (listeners ? [pushApplication, api] : [])
        var configuration = ServiceGroupConfiguration(services: running.map { .init(service: $0) }, gracefulShutdownSignals: signals, logger: logger)
        // A request or a PBX link that will not end (a client that never reads, a switch that never answers) must
        // not hold the process: past this, the services still running are cancelled. Long polls end well within it.
        configuration.maximumGracefulShutdownDuration = Self.gracefulShutdownLimit
        return ServiceGroup(configuration: configuration)
    }
}

/// Builds the whole server over `database`: boot admin on a new database, sessions and sign-in, directories, the
/// telephony side (the link side before what uses it), the push channel, the API, and the group's services.
func buildServer(
    configuration: AppConfiguration,
    database: AppDatabase,
    logger: Logger,
    options: ServerOptions = ServerOptions()
) async throws -> TWSServer {
    // 50,000 events per domain: at 100 calls/s with 1,000 clients a domain publishes about 3,700 events a second, so
    // the default 10,000 held under 3 s, and long-polls that came back later than that got `resync` (bench, issue 22).
    let bus = EventBus(configuration: EventBus.Configuration(capacity: 50_000))
    // Issue 19: the webhook outbox stands in front of the bus for the events webhooks carry (calls, presence, directory
    // synchronisations); call-log entries get theirs in the call-log writer's transaction.
    let webhookDoorbell = Doorbell()
    let webhookOutbox = WebhookOutbox(store: database, tenants: database, bus: bus, doorbell: webhookDoorbell) { error, events in
        logger.error("webhook outbox rows not written", metadata: ["events": "\(events)", "error": "\(error)"])
    }
    let webhookDestination = WebhookDestination(resolver: SystemWebhookResolver(), allowsPrivate: configuration.webhooksAllowPrivate)
    let plans = DialingPlans(store: database)
    let callerNames = CallerNames(store: database, plans: plans)
    let callLogs = CallLogWriter(store: database, publisher: bus, callerNames: callerNames) { error, lines in
        // Counted by the writer for /metrics (tws_call_log_write_failures_total).
        logger.error("call-log lines not written", metadata: ["lines": "\(lines)", "error": "\(error)"])
    }
    let alerterCards = AlerterCards(store: database, codec: AlerterTemplateXML(), serverName: configuration.alerterServerName)
    let queueObserver = PhoneQueueObserver(store: database, publisher: bus, callerNames: callerNames)
    callLogs.attach(outbox: webhookOutbox)
    // Issue 20: missed-call e-mails are written with the call-log lines, sent by the mail dispatcher below.
    let secret = try tokenSecret(configuration: configuration)
    let mailDoorbell = Doorbell()
    let linkSigner = CallBackLinkSigner(secret: secret)
    let missedCallMail = MissedCallMail(
        tenants: database,
        store: database,
        signer: linkSigner,
        publicURL: configuration.publicBaseURL,
        validity: configuration.callBackLinkValiditySeconds,
        doorbell: mailDoorbell
    ) { error in
        logger.error("notification e-mails not written", metadata: ["error": "\(error)"])
    }
    callLogs.attach(mail: missedCallMail)
    // Issue 21: a voicemail message left for a user who asked for it is mailed through the same outbox and links.
    let voicemailMail = VoicemailMail(sharing: missedCallMail)
    let events = CallEventPipeline(
        publisher: webhookOutbox,
        callLogs: callLogs,
        plans: plans,
        callerNames: callerNames,
        alerterCards: alerterCards,
        queues: queueObserver,
        secretaries: SecretaryNaming(store: database, plans: plans),
        callTiming: options.callTiming
    )
    let links = PbxLinks(logger: logger, tune: options.tuneLinks) { domainId, event in await events.handle(domainId: domainId, event) }
    let supervision = Supervision(store: database, links: links)
    // Issue 18: forwards set on the telephone become simple rules (DisplaySimpleRules).
    let telephoneForwarding = TelephoneForwarding(store: database, events: events, plans: plans)
    events.attach(telephoneForwarding)
    events.attach(voicemailMail)
    // Issue 18, TRANSFERVERIFICATION (admin guide 9.6.2): forwarded calls watched, EMERGENCYNUMBER when unanswered. The
    // rule engine asks it where to deflect (`deflectTarget`) and tells it what it forwarded.
    let verifier = ForwardVerifier(store: database, gateway: options.gateway ?? links, events: events, plans: plans, publisher: bus)
    events.attach(verifier)
    // Forwarding rules run by the server (admin guide 9.6): it watches deliveries on the event path and deflects from
    // its own loop, a Service below.
    let calendarBoard = CalendarBoard()
    let ruleEngine = RuleEngine(
        store: database,
        gateway: options.gateway ?? links,
        publisher: bus,
        events: events,
        plans: plans,
        callerNames: callerNames,
        verifier: verifier,
        calendar: calendarBoard
    )
    events.attach(ruleEngine)
    // Issue 20: callback requests' double calls, placed from their own loop (a Service below).
    let callbackDoorbell = Doorbell()
    let callbackEngine = CallbackEngine(
        store: database,
        gateway: options.gateway ?? links,
        publisher: webhookOutbox,
        events: events,
        doorbell: callbackDoorbell,
        retentionDays: configuration.callbacksRetentionDays
    )
    events.attach(callbackEngine)
    // Last: a PBX event is handled once its webhook deliveries are committed.
    events.attach(webhookOutbox)
    let calls = CallControl(store: database, gateway: options.gateway ?? links, events: events, plans: plans)
    // Issue 21: calendars read by their own loop (a Service below), pushed straight to the bus (webhooks do not carry them).
    let calDAV = CalDAVClient(timeout: .milliseconds(Int64(configuration.calendarTimeoutSeconds * 1000)))
    let calendarRefresher = CalendarRefresher(
        calendars: database,
        tenants: database,
        source: options.calendarSource ?? calDAV,
        board: calendarBoard,
        publisher: bus,
        configuration: .init(concurrency: configuration.calendarConcurrency, maxSleep: options.calendarMaxSleep),
        now: options.calendarClock
    ) { pass in
        // Counts only: the server's URL and account are the administrator's to look up, never logged (nor the password).
        let metadata: Logger.Metadata = [
            "domain": "\(pass.domainId)", "read": "\(pass.read)", "failed": "\(pass.failed)", "unmapped": "\(pass.unmapped)",
            "seconds": "\(String(format: "%.3f", pass.seconds))",
        ]
        logger.log(level: pass.failed > 0 ? .warning : .info, "calendars read", metadata: metadata)
    }
    let services = try await buildServices(
        configuration: configuration,
        database: database,
        logger: logger,
        secret: secret,
        bus: webhookOutbox,
        plans: plans,
        calls: calls,
        presence: PresenceService(store: database, events: events, publisher: webhookOutbox),
        queues: PhoneQueueService(store: database, gateway: options.gateway ?? links, events: events, plans: plans, observer: queueObserver),
        rules: RuleService(store: database, gateway: options.gateway ?? links, events: events, plans: plans, callerNames: callerNames, calendar: calendarBoard),
        supervision: supervision,
        alerter: AlerterService(store: database, cards: alerterCards, events: events, callerNames: callerNames, codec: AlerterTemplateXML()),
        webhooks: WebhookService(store: database, tenants: database, outbox: webhookOutbox, destination: webhookDestination),
        callbacks: CallbackService(store: database, plans: plans, doorbell: callbackDoorbell, publisher: webhookOutbox),
        notifications: NotificationService(tenants: database, store: database, calls: calls, signer: linkSigner),
        calendar: CalendarPresenceService(calendars: database, tenants: database, refresher: calendarRefresher, now: options.calendarClock)
    )
    let push = buildPushTransport(bus: bus, services: services, logger: logger)
    let webhookSender = WebhookHTTPSender()
    let webhookDispatcher = WebhookDispatcher(
        store: database,
        sender: webhookSender,
        destination: webhookDestination,
        doorbell: webhookDoorbell,
        configuration: .init(
            backoff: WebhookBackoff(
                base: configuration.webhooksBackoffSeconds,
                cap: configuration.webhooksBackoffCapSeconds,
                window: configuration.webhooksRetryWindowSeconds
            ),
            timeout: .milliseconds(Int64(configuration.webhooksTimeoutSeconds * 1000)),
            retention: configuration.webhooksRetentionDays * 86_400
        ),
        onError: { error in logger.error("webhook dispatcher", metadata: ["error": "\(error)"]) }
    )
    let mailDispatcher = MailDispatcher(
        store: database,
        tenants: database,
        transport: SMTPMailTransport(timeout: .milliseconds(Int64(configuration.mailTimeoutSeconds * 1000))),
        doorbell: mailDoorbell,
        configuration: .init(
            backoff: WebhookBackoff(
                base: configuration.mailBackoffSeconds,
                cap: configuration.mailBackoffCapSeconds,
                window: configuration.mailRetryWindowSeconds
            ),
            retention: configuration.mailRetentionDays * 86_400
        ),
        onFailure: { mail, server in
            // The server's description never holds the password; the message's content is not logged either.
            logger.warning(
                "e-mail not sent",
                metadata: [
                    "mail": "\(mail.id ?? 0)", "status": "\(mail.status.rawValue)", "attempts": "\(mail.attemptCount)",
                    "server": "\(server?.description ?? "none")", "error": "\(mail.lastError ?? "")",
                ]
            )
        },
        onError: { error in logger.error("mail dispatcher", metadata: ["error": "\(error)"]) }
    )
    let metrics = ServerMetrics(
        factory: PrometheusMetricsFactory(registry: options.metrics),
        links: links,
        bus: bus,
        push: push,
        callLogs: callLogs,
        webhooks: webhookDispatcher,
        webhookOutbox: webhookOutbox,
        mails: mailDispatcher
    )
    // The web client's page tells the browser where the push channel listens.
    let pushPort = ListenerPort(configured: configuration.pushPort)
    let metricsEndpoint = MetricsEndpoint(token: configuration.metricsToken, registry: options.metrics) { metrics.refresh() }
    let router = try buildRouter(
        services: services,
        loginLimits: .init(burst: configuration.loginBurst, perSecond: configuration.loginPerSecond),
        metrics: metricsEndpoint,
        trustedProxies: configuration.trustedProxyAddresses,
        webClient: WebClient(pushPort: pushPort),
        logger: logger,
        apiKeyLimits: .init(burst: configuration.apiKeyBurst, perSecond: configuration.apiKeyPerSecond),
        callbackLimits: .init(
            perAddress: .init(burst: configuration.callbacksPerAddressPerMinute, perSecond: configuration.callbacksPerAddressPerMinute / 60),
            perNumber: .init(burst: configuration.callbacksPerNumberPerHour, perSecond: configuration.callbacksPerNumberPerHour / 3600)
        )
    )
    let serverName = "tws"
    let lookups = configuration.connectionsOnEventLoops
        ? DirectoryLookups(directories: services.directories, sessions: services.sessions, counters: metricsEndpoint.requests, serverName: serverName)
        : nil
    let api = Application(
        router: router,
        server: .http1(onItsEventLoop: configuration.connectionsOnEventLoops, lookups: lookups),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: serverName),
        logger: logger
    )
    let synchronizer = services.directoryAdmin.synchronizer
    if !options.connectsLinks { links.stop() }
    let background: [any Service] =
        options.leadingServices + [DrainingService(run: { await callLogs.run() }, stop: { callLogs.finish() })]
        // Issue 19: the outbox writer stops after everything that publishes (it is before them), the dispatcher closes
        // its HTTP client once its last attempt ended.
        + [
            DrainingService(run: { await webhookOutbox.run() }, stop: { webhookOutbox.finish() }),
            DrainingService(
                run: {
                    await webhookDispatcher.run()
                    await webhookSender.shutdown()
                },
                stop: { webhookDispatcher.finish() }
            ),
            // Issue 20: stops before the webhook side, after everything that writes mails (the call-log writer is before it).
            DrainingService(run: { await mailDispatcher.run() }, stop: { mailDispatcher.finish() }),
        ]
        + (options.connectsLinks ? [DrainingService(run: { await links.run() }, stop: { links.stop() })] : []) + [
            DrainingService(run: { await telephoneForwarding.run() }, stop: { telephoneForwarding.finish() }),
            DrainingService(run: { await verifier.run() }, stop: { verifier.finish() }),
            // After the links: it stops before them, its timers kept in the database for the next start.
            DrainingService(run: { await ruleEngine.run() }, stop: { ruleEngine.finish() }),
            // After the links too: an attempt cut by the stop is hung up and tried again at the next start.
            DrainingService(run: { await callbackEngine.run() }, stop: { callbackEngine.finish() }),
            // Issue 21: closes its HTTP client once its last read ended.
            DrainingService(
                run: {
                    await calendarRefresher.run()
                    await calDAV.shutdown()
                },
                stop: { calendarRefresher.finish() }
            ),
            TelephonyUpkeep(
                supervision: supervision,
                events: events,
                links: links,
                history: services.callHistory,
                statistics: services.statistics,
                refreshInterval: options.refreshInterval,
                logger: logger
            ),
            DrainingService(
                run: {
                    await synchronizer.runQueued { directoryId, report in
                        logger.info(
                            "directory synchronisation ended",
                            metadata: [
                                "directory": "\(directoryId)", "state": "\(report.state.rawValue)", "read": "\(report.read)",
                                "error": "\(report.error ?? "")",
                            ]
                        )
                    }
                },
                stop: { synchronizer.stopQueue() }
            ),
        ] + (options.schedulesSynchronisations ? [DirectorySyncScheduler(database: database, synchronizer: synchronizer, logger: logger)] : [])
    return TWSServer(
        database: database,
        services: services,
        bus: bus,
        events: events,
        callLogs: callLogs,
        links: links,
        push: push,
        verifier: verifier,
        metrics: metrics,
        api: api,
        lookups: lookups,
        pushApplication: buildPushApplication(
            push,
            host: configuration.host,
            port: configuration.pushPort,
            boundPort: pushPort,
            connectionsOnEventLoops: configuration.connectionsOnEventLoops,
            logger: logger
        ),
        background: background,
        webhookOutbox: webhookOutbox,
        webhookDispatcher: webhookDispatcher,
        mailDispatcher: mailDispatcher,
        calendarRefresher: calendarRefresher
    )
}

/// The services the endpoints call: boot admin on a new database, bcrypt, token key, authenticators, directories.
private func buildServices(
    configuration: AppConfiguration,
    database: AppDatabase,
    logger: Logger,
    secret: [UInt8],
    bus: any PushPublisher,
    plans: DialingPlans,
    calls: CallControl,
    presence: PresenceService,
    queues: PhoneQueueService,
    rules: RuleService,
    supervision: Supervision,
    alerter: AlerterService,
    webhooks: WebhookService,
    callbacks: CallbackService,
    notifications: NotificationService,
    calendar: CalendarPresenceService
) async throws -> AppServices {
    let hasher = BcryptHasher(cost: UInt8(configuration.bcryptCost))
    let tokens = try await TokenIssuer(secret: secret)
    let admin = AdminService(store: database, hasher: hasher)
    try await admin.ensureBootAdmin()
    let sessions = try await SessionService(
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
    // Progress and the end of each synchronisation, to the users who read the directory.
    await synchronizer.onProgress { domainId, directoryId, report in
        _ = bus.publish(
            domainId: domainId,
            audience: .directory(directoryId),
            event: PushEvent(type: .directorySync, time: Date(), directorySync: DirectorySyncPayload(directoryId: directoryId, report: report))
        )
        if report.finishedAt != nil { ProcessMemory.returnFreedPages() }
    }
    return TWSServices(
        admin: admin,
        sessions: sessions,
        profiles: UserProfileService(store: database),
        calls: calls,
        presence: presence,
        callHistory: CallHistory(store: database),
        supervision: supervision,
        negotiate: negotiate,
        directories: DirectoryService(store: database, plans: plans),
        directoryAdmin: DirectoryAdminService(store: database, synchronizer: synchronizer),
        userImports: UserImportService(store: database, connector: connector),
        alerter: alerter,
        queues: queues,
        rules: rules,
        apiKeys: ApiKeyService(store: database),
        webhooks: webhooks,
        callbacks: callbacks,
        notifications: notifications,
        calendar: calendar,
        cors: CorsPolicy(store: database)
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

/// The connectors of LDAP, SQL (ODBC) and CSV directories; CSV files and SQLite databases must be in the import
/// folder (created if missing), ODBC drivers in Debian's driver folders.
func directoryConnector(configuration: AppConfiguration) -> any DirectoryConnector {
    try? FileManager.default.createDirectory(at: configuration.importFolder, withIntermediateDirectories: true)
    return DirectoryConnectors(importFolder: configuration.importFolder)
}

/// The push channel of `services`: users by their session and rights, administrators by theirs (supervision events of
/// their companies' domains). Tests build one with shorter limits over a server's bus.
func buildPushTransport(bus: EventBus, services: AppServices, limits: PushLimits = PushLimits(), logger: Logger) -> PushTransport {
    PushTransport(
        bus: bus,
        authenticate: { [sessions = services.sessions] token in try await sessions.user(token: token) },
        audience: { [presence = services.presence] user in try await presence.pushFilter(user) },
        administration: PushAdministration(
            authenticate: { [sessions = services.sessions] token in try await sessions.admin(token: token) },
            filters: { [admin = services.admin] principal, domainId in try await admin.pushFilters(principal, domainId: domainId) }
        ),
        limits: limits,
        logger: logger
    )
}

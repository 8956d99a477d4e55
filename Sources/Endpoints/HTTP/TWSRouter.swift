import Auth
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime

/// Everything the routes need, built once by the server (or by a test).
public struct TWSServices: Sendable {
    public let admin: AdminService
    public let sessions: SessionService
    public let profiles: UserProfileService
    public let calls: CallControl
    public let presence: PresenceService
    public let callHistory: CallHistory
    public let supervision: Supervision
    /// Windows single sign-on; nil when no keytab is configured.
    public let negotiate: NegotiateAcceptor?
    public let directories: DirectoryService
    public let directoryAdmin: DirectoryAdminService
    public let userImports: UserImportService
    public let alerter: AlerterService
    public let queues: PhoneQueueService
    public let rules: RuleService
    /// Companies' API keys (issue 19).
    public let apiKeys: ApiKeyService
    /// The per-company CORS allow-list (issue 19), kept in memory for the CORS middleware.
    public let cors: CorsPolicy
    /// Callback groups and visitors' requests (issue 20).
    public let callbacks: CallbackService
    /// Webhook subscriptions and deliveries (issue 19).
    public let webhooks: WebhookService
    /// Missed-call e-mail settings and call-back links (issue 20).
    public let notifications: NotificationService
    /// Users' call statistics (issue 21).
    public let statistics: StatisticsService
    /// Calendar connections and calendar presence (issue 21).
    public let calendar: CalendarPresenceService

    public init(
        admin: AdminService,
        sessions: SessionService,
        profiles: UserProfileService,
        calls: CallControl,
        presence: PresenceService,
        callHistory: CallHistory,
        supervision: Supervision,
        negotiate: NegotiateAcceptor?,
        directories: DirectoryService,
        directoryAdmin: DirectoryAdminService,
        userImports: UserImportService,
        alerter: AlerterService,
        queues: PhoneQueueService,
        rules: RuleService,
        apiKeys: ApiKeyService,
        webhooks: WebhookService,
        callbacks: CallbackService,
        notifications: NotificationService,
        calendar: CalendarPresenceService,
        cors: CorsPolicy? = nil,
        statistics: StatisticsService? = nil
    ) {
        self.calendar = calendar
        self.statistics = statistics ?? StatisticsService(store: admin.store)
        self.callbacks = callbacks
        self.apiKeys = apiKeys
        self.webhooks = webhooks
        self.notifications = notifications
        self.admin = admin
        self.sessions = sessions
        self.profiles = profiles
        self.calls = calls
        self.presence = presence
        self.callHistory = callHistory
        self.supervision = supervision
        self.negotiate = negotiate
        self.directories = directories
        self.directoryAdmin = directoryAdmin
        self.userImports = userImports
        self.alerter = alerter
        self.queues = queues
        self.rules = rules
        self.cors = cors ?? CorsPolicy(store: admin.store)
    }
}

/// Builds the router of port 8000: REST (generated handlers), SOAP, the contract documents, health, (when given)
/// Prometheus metrics and the web client of `/app/`.
/// Middleware is added before the routes, because a Hummingbird router applies it only to routes added after it.
public func buildRouter(
    services: TWSServices,
    loginLimits: LoginRateLimiter.Limits = .init(),
    metrics: MetricsEndpoint? = nil,
    trustedProxies: Set<String> = [],
    webClient: WebClient? = nil,
    logger: Logger,
    apiKeyLimits: LoginRateLimiter.Limits = .init(burst: 20, perSecond: 10),
    callbackLimits: CallbackThrottle.Limits = .init()
) throws -> Router<TWSRequestContext> {
    // One set of limits for the callback operations of REST and SOAP alike.
    let callbackThrottle = CallbackThrottle(limits: callbackLimits)
    let soap = try SOAPBinding(
        wsdl: Contract.wsdl,
        admin: services.admin,
        sessions: services.sessions,
        profiles: services.profiles,
        calls: services.calls,
        presence: services.presence,
        callHistory: services.callHistory,
        directories: services.directories,
        alerter: services.alerter,
        queues: services.queues,
        rules: services.rules,
        negotiate: services.negotiate,
        logger: logger,
        apiKeys: services.apiKeys,
        callbacks: services.callbacks,
        callbackThrottle: callbackThrottle,
        statistics: services.statistics,
        calendar: services.calendar
    )
    let router = Router(context: TWSRequestContext.self)
    if let metrics {
        // Outermost, so it counts the answer clients get (problems included).
        router.add(middleware: RequestCountingMiddleware(counters: metrics.requests))
    }
    router.add(middleware: HTTPProblemMiddleware(soapNamespace: soap.namespace))
    router.add(middleware: BodyLimitMiddleware())
    router.add(middleware: EmptyActionBodyMiddleware())
    router.add(middleware: NegotiateHeaderMiddleware())
    let clientAddress = ClientAddress(trustedProxies: trustedProxies)
    router.add(middleware: RequestFactsMiddleware(clientAddress: clientAddress))
    router.add(
        middleware: CallerMiddleware(
            sessions: services.sessions,
            keys: ApiKeyGate(keys: services.apiKeys, limits: apiKeyLimits, counters: metrics?.apiKeys)
        )
    )
    router.add(middleware: CorsMiddleware(policy: services.cors, problems: HTTPProblemMiddleware(soapNamespace: soap.namespace)))
    router.add(middleware: RateLimitMiddleware(limiter: LoginRateLimiter(limits: loginLimits)))
    // Innermost: each answer's head and body in one write.
    router.add(middleware: WholeAnswerMiddleware<TWSRequestContext>())

    let openAPI = Contract.openAPI
    router.get("/openapi.yaml") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(bytes: openAPI)))
    }

    webClient?.register(on: router)
    CallbackWidget().register(on: router)

    if let metrics {
        router.get("/metrics") { request, context in
            guard metrics.allows(authorization: request.headers[.authorization], peer: context.remoteAddress) else {
                return metrics.token == nil
                    ? Problem(
                        status: .forbidden,
                        code: "forbidden",
                        detail: "Metrics are served to loopback clients unless a metrics token is configured"
                    )
                    .response
                    : Problem(status: .unauthorized, code: "unauthorized", detail: "The metrics token is missing or wrong").response
            }
            let text = metrics.exposition()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text))
            )
        }
    }

    router.get("/soap") { request, context in
        guard request.uri.queryParameters.has("wsdl") || request.uri.query?.lowercased() == "wsdl" else {
            throw HTTPError(.notFound)
        }
        let trusted = context.remoteAddress?.ipAddress.map(clientAddress.isTrustedProxy) ?? false
        let document = soap.wsdlDocument(baseURL: PublicAddress(request: request, fromTrustedProxy: trusted).baseURL)
        return Response(status: .ok, headers: [.contentType: "text/xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: document)))
    }
    router.post("/soap") { request, context in
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw HTTPError(.contentTooLarge)
        }
        let answer = await soap.handle(
            Array(buffer: body),
            contentType: request.headers[.contentType],
            soapAction: HTTPField.Name("SOAPAction").flatMap { request.headers[$0] }
        )
        var headers: HTTPFields = [.contentType: answer.contentType]
        if let challenge = answer.wwwAuthenticate { headers[.wwwAuthenticate] = challenge }
        if let seconds = answer.retryAfter { headers[.retryAfter] = String(seconds) }
        return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    let api = TWSAPI(
        admin: services.admin,
        sessions: services.sessions,
        profiles: services.profiles,
        calls: services.calls,
        presence: services.presence,
        callHistory: services.callHistory,
        supervision: services.supervision,
        negotiate: services.negotiate,
        directories: services.directories,
        directoryAdmin: services.directoryAdmin,
        userImports: services.userImports,
        alerter: services.alerter,
        queues: services.queues,
        rules: services.rules,
        apiKeys: services.apiKeys,
        webhooks: services.webhooks,
        callbacks: services.callbacks,
        notifications: services.notifications,
        calendar: services.calendar,
        cors: services.cors,
        callbackThrottle: callbackThrottle,
        statistics: services.statistics
    )
    // Compact JSON: indentation made a 16-card search answer a third bigger, for clients that never read it by eye.
    try api.registerHandlers(
        on: router,
        configuration: .init(dateTranscoder: RFC3339DateTranscoder(), jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]),
        middlewares: [
            HealthAnswer(), ProblemMiddleware(logger: logger), IntegerParameterMiddleware(), JSONNullMiddleware(),
            DirectoryFastPath(directories: services.directories), ProfileAnswers(profiles: services.profiles),
        ]
    )
    return router
}

/// The connector of a server built without `Connectors` (some tests): every external source is unreachable.
struct NoDirectoryConnector: DirectoryConnector {
    func open(_ connection: DirectoryConnection, attributes: [String]) async throws(DirectorySourceError) -> any DirectoryReader {
        throw DirectorySourceError(.unreachable, "this server has no directory connectors")
    }
}

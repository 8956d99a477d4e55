import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// The push channel (port 9000, DESIGN "Push channel"): `GET /events` upgraded to a WebSocket, `GET /events/poll`
/// for clients that cannot hold a socket, and `GET /health`.
///
/// Built once by the server from the event bus, how to turn a token into a user (`SessionService.user(token:)`)
/// and a user into what they may see, how to admit administrators (their supervision events), and the limits. Its
/// router and server builder make the application.
public struct PushTransport: Sendable {
    let bus: EventBus
    let admission: PushAdmission
    let limits: PushLimits
    let gate: PushConnectionGate
    let frames = PushEventFrames()
    let logger: Logger

    public init(
        bus: EventBus,
        authenticate: @escaping @Sendable (String) async throws -> UserPrincipal,
        audience: @escaping @Sendable (UserPrincipal) async throws -> PushAudienceFilter,
        administration: PushAdministration? = nil,
        limits: PushLimits = PushLimits(),
        logger: Logger
    ) {
        self.bus = bus
        self.admission = PushAdmission(authenticate: authenticate, audience: audience, administration: administration, logger: logger)
        self.limits = limits
        self.gate = PushConnectionGate(limits: limits)
        self.logger = logger
    }

    /// WebSockets and waiting long-polls open now.
    public var openConnections: Int { gate.open }

    /// The routes of plain HTTP requests: long-poll, health, and `GET /events` without an upgrade (426).
    /// The WebSocket upgrade itself is decided by `server()`, before any route.
    public func buildRouter() -> Router<TWSRequestContext> {
        let router = Router(context: TWSRequestContext.self)
        // Unknown routes and methods as problem+json, like port 8000 (no SOAP here, so no namespace).
        router.add(middleware: HTTPProblemMiddleware(soapNamespace: ""))
        router.get("/health") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        router.get("/events") { request, _ in
            do throws(PushRefusal) {
                let ticket = try await admission.admit(headers: request.headers, query: request.uri.queryParameters)
                try PushAdmission.check(after: try PushAdmission.after(request.uri.queryParameters), bus: bus, ticket: ticket)
                return PushRefusal(
                    Problem(
                        status: .upgradeRequired,
                        code: "upgrade_required",
                        detail: "GET /events is a WebSocket; use GET /events/poll without one"
                    ),
                    headers: [.upgrade: "websocket", .connection: "Upgrade"]
                ).response
            } catch {
                return error.response
            }
        }
        router.get("/events/poll") { request, _ in
            do throws(PushRefusal) {
                return try await poll(request)
            } catch {
                return error.response
            }
        }
        return router
    }

    /// The HTTP/1.1 server whose `GET /events` upgrades to a WebSocket once admitted; with `onItsEventLoop`, each
    /// connection is handled on its socket's event loop (`OnItsEventLoop`).
    public func server(onItsEventLoop: Bool = true) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            let channel = PushServerChannel(responder: responder) { request, channel in await decideUpgrade(request, channel: channel) }
            if onItsEventLoop { return OnItsEventLoop(channel) as any ServerChildChannel }
            return channel
        }
    }

    // MARK: WebSocket

    private func decideUpgrade(_ request: HTTPRequest, channel: any Channel) async -> PushServerChannel.Decision {
        let uri = URI(request.path ?? "/")
        guard request.method == .get, uri.path == "/events" else {
            return .refuse(PushRefusal(Problem(status: .notFound, code: "not_found", detail: "Only GET /events upgrades to a WebSocket")))
        }
        do throws(PushRefusal) {
            let query = uri.queryParameters
            let ticket = try await admission.admit(headers: request.headerFields, query: query)
            let after = try PushAdmission.after(query)
            try PushAdmission.check(after: after, bus: bus, ticket: ticket)
            try gate.enter(ticket.subscriber)
            // The place is given back when the connection closes, however it ends (even if the upgrade never completes).
            channel.closeFuture.whenComplete { [gate] _ in gate.leave(ticket.subscriber) }
            return .accept(
                PushSocket(
                    ticket: ticket,
                    // A live-only socket starts at the seq of its upgrade: whatever is published after the client
                    // sees 101 reaches it, even before the socket's task has subscribed.
                    starts: ticket.filters.map { filter in
                        PushSocket.Start(filter: filter, after: after ?? bus.currentSeq(domainId: filter.domainId))
                    },
                    bus: bus,
                    admission: admission,
                    sessionRecheckInterval: limits.sessionRecheckInterval,
                    frames: frames,
                    logger: logger
                )
            )
        } catch {
            return .refuse(error)
        }
    }

    // MARK: Long-poll

    /// The body of a long-poll answer.
    private struct PollAnswer: Encodable {
        var events: [PushEvent]
        var next: UInt64
    }

    private func poll(_ request: Request) async throws(PushRefusal) -> Response {
        let query = request.uri.queryParameters
        let ticket = try await admission.admit(headers: request.headers, query: query)
        let after = try PushAdmission.after(query)
        let timeout = try PushAdmission.timeout(query, limits: limits)
        let limit = try PushAdmission.limit(query, limits: limits)
        // An answer's `next` counts in one domain: an administrator polls one domain of their companies at a time.
        guard let domainId = ticket.resumableDomain, let filter = ticket.filters.first(where: { $0.domainId == domainId }) else {
            throw .invalidParameter("domainId", "An administrator's long-poll names the domain it polls (domainId)")
        }
        try gate.enter(ticket.subscriber)
        defer { gate.leave(ticket.subscriber) }
        let result: EventBus.PollResult
        do {
            // A shutdown ends the wait: the client gets what there is and polls the next server.
            result = try await cancelWhenGracefulShutdown { [bus] in
                try await bus.poll(domainId: domainId, after: after, filter: filter, limit: limit, timeout: timeout)
            }
        } catch let error as DomainError {
            throw PushRefusal(error)
        } catch {
            logger.error("long-poll failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            throw .internalError
        }
        let body: Data
        do {
            body = try PushEventFrames.makeEncoder().encode(PollAnswer(events: result.events, next: result.next))
        } catch {
            throw .internalError
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}

/// The push channel's application, listening on `host:port`: the `Service` the server runs beside port 8000.
/// `boundPort`, when given, learns the port the listener got (the web client's page names it).
public func buildPushApplication(
    _ transport: PushTransport,
    host: String,
    port: Int,
    boundPort: ListenerPort? = nil,
    connectionsOnEventLoops: Bool = true,
    logger: Logger
) -> some ApplicationProtocol {
    Application(
        router: transport.buildRouter(),
        server: transport.server(onItsEventLoop: connectionsOnEventLoops),
        configuration: .init(address: .hostname(host, port: port), serverName: "tws-push"),
        onServerRunning: { channel in boundPort?.bound(to: channel) },
        logger: logger
    )
}

import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
@_spi(WSInternal) import WSCore

/// A connection of the push listener: HTTP/1.1 whose `GET /events` may upgrade to a WebSocket.
///
/// The pipeline is the one of hummingbird-websocket's `HTTP1WebSocketUpgradeChannel` (NIO's typed HTTP upgrade
/// with a WebSocket upgrader), except for refused upgrades: that channel answers them with an empty 400, this one
/// with the refusal's problem+json (401, 400, 429, 503), so a client can tell a bad token from a full server.
/// The WebSocket protocol itself (pings, close handshake) is WSCore's `WebSocketHandler`, reached through the
/// same SPI hummingbird-websocket uses; swift-websocket is pinned by the mirror, and this file is the only user.
struct PushServerChannel: ServerChildChannel, HTTPChannelHandler {
    /// The verdict on an upgrade request.
    enum Decision: Sendable {
        case accept(PushSocket)
        case refuse(PushRefusal)
    }

    /// What the first request of a connection turned into.
    enum Negotiated: Sendable {
        case webSocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, PushSocket)
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, PushRefusal)
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    }

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    /// The logger a socket's `WebSocketHandler` writes to.
    struct SocketContext: WebSocketContext {
        let logger: Logger
    }

    let responder: HTTPChannelHandler.Responder
    private let decide: @Sendable (HTTPRequest, any Channel) async -> Decision
    /// Library defaults: 16 KiB frames, a ping every 30 s, 15 s for the close handshake. No extensions (compression)
    /// are negotiated: events are small and compressing each frame costs more than it saves.
    private let webSocket = WebSocketServerConfiguration()

    init(responder: @escaping HTTPChannelHandler.Responder, decide: @escaping @Sendable (HTTPRequest, any Channel) async -> Decision) {
        self.responder = Self.redirectingUpgrades(responder)
        self.decide = decide
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // Carries the verdict from `shouldUpgrade` to whichever of the two completion handlers NIO calls.
            let decision = NIOLockedValueBox<Decision?>(nil)
            let decide = self.decide
            let upgrader = NIOTypedWebSocketServerUpgrader<Negotiated>(
                maxFrameSize: webSocket.maxFrameSize,
                shouldUpgrade: { channel, head in
                    let promise = channel.eventLoop.makePromise(of: HTTPHeaders?.self)
                    promise.completeWithTask {
                        let verdict = await decide(try HTTPRequest(head, secure: false, splitCookie: false), channel)
                        decision.withLockedValue { $0 = verdict }
                        if case .accept = verdict { return HTTPHeaders() }
                        return nil
                    }
                    return promise.futureResult
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard case .accept(let socket) = decision.withLockedValue({ $0 }) else { throw ChannelError.inappropriateOperationForState }
                        let webSocket = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        return .webSocket(webSocket, socket)
                    }
                }
            )
            let upgrade = NIOTypedHTTPServerUpgradeConfiguration<Negotiated>(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        if case .refuse(let refusal) = decision.withLockedValue({ $0 }) { return .refused(http, refusal) }
                        return .http(http)
                    }
                }
            )
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration<Negotiated>(upgradeConfiguration: upgrade)
            // As hummingbird's channels: NIOAsyncChannel serialises requests; errors and header checks are Hummingbird's.
            configuration.enablePipelining = false
            configuration.enableErrorHandling = false
            configuration.enableResponseHeaderValidation = false
            let negotiated = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            return Value(negotiated: negotiated, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .http(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http, let refusal):
                await answer(refusal, on: http, logger: logger)
            case .webSocket(let asyncChannel, let socket):
                _ = try await WebSocketHandler.handle(
                    type: .server,
                    configuration: .init(
                        extensions: [],
                        autoPing: webSocket.autoPing,
                        closeTimeout: webSocket.closeTimeout,
                        validateUTF8: webSocket.validateUTF8,
                        maxFrameSize: webSocket.maxFrameSize
                    ),
                    asyncChannel: asyncChannel,
                    context: SocketContext(logger: logger),
                    handler: { inbound, outbound, _ in try await socket.run(inbound: inbound, outbound: outbound) }
                )
            }
        } catch let error as ChannelError where error == .inputClosed {
            logger.trace("push connection closed before its first request")
        } catch {
            logger.debug("push connection ended with an error", metadata: ["error": "\(error)"])
        }
    }

    /// Writes a refused upgrade's problem and closes the connection.
    private func answer(_ refusal: PushRefusal, on http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, logger: Logger) async {
        do {
            try await http.executeThenClose { _, outbound in
                var head = refusal.head
                let body = refusal.problem.body
                head.headerFields[.contentLength] = String(body.readableBytes)
                head.headerFields[.connection] = "close"
                try await outbound.write(contentsOf: [.head(head), .body(body), .end(nil)])
            }
        } catch {
            logger.trace("could not answer a refused upgrade", metadata: ["error": "\(error)"])
        }
    }

    /// NIO's upgrader sees only a connection's first request. A later upgrade request on a kept-alive connection is
    /// redirected to itself with `Connection: close`, so the client retries on a new connection (as hummingbird-websocket does).
    private static func redirectingUpgrades(_ responder: @escaping HTTPChannelHandler.Responder) -> HTTPChannelHandler.Responder {
        struct RedirectThenClose: Error {}
        return { request, writer, channel in
            guard request.headers[.upgrade]?.lowercased() == "websocket" else {
                try await responder(request, writer, channel)
                return
            }
            let location = request.uri.query.map { "\(request.uri.path)?\($0)" } ?? request.uri.path
            try await writer.writeResponse(HTTPResponse(status: .temporaryRedirect, headerFields: [.connection: "close", .location: location]))
            throw RedirectThenClose()
        }
    }
}

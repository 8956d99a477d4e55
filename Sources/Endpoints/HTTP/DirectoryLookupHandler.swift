import Auth
import Domain
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Reverse lookups answered on the connection's event loop, in the channel pipeline, before Hummingbird's async channel
/// (issue 22). Every Caller and Alerter asks one per incoming call, and one lookup cost the server three times slapd's
/// whole LDAP search: the database read is a fifth of it, the rest was the way to and from the handler (the async
/// channel's streams, the connection's task, the router, ten middlewares, the OpenAPI layer).
///
/// It sits between NIO's HTTP/1 decoder and the codec to Swift HTTP Types (`HTTP1ToHTTPServerCodec`), so the
/// lookups it answers are not converted there and back either (a twentieth of a lookup's CPU). Everything else
/// passes on unchanged, and the codec converts it as before.
///
/// It takes the plain case only, as `DirectoryFastPath` does: `GET /api/v1/directory/lookup?number=…` with a user's
/// bearer token already checked (`SessionService.cachedUser`), no API key, no `Origin` (CORS), no body, a connection
/// kept alive, and no other request of the connection still being answered (answers keep their order).
/// The answer comes from the same Domain call (`DirectoryService.lookupNow`: the telephony right, the readable
/// directories, the dialing plan) and is the generated handler's to the byte: the card, or the `no_contact` problem.
/// Anything else, a refusal included, goes on down the pipeline untouched, and the routes answer it as before.
final class DirectoryLookupHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    static let path = "/api/v1/directory/lookup?"

    private let services: DirectoryLookups
    /// NIO's HTTP/1 response encoder, the next handler out: this handler's answers are whole HTTP/1.1 messages in one
    /// buffer, written past it (its head, body and end were three writes through the pipeline, a twentieth of a
    /// lookup's CPU). Nil until added, or if the pipeline has none: the handler then answers nothing.
    private var encoder: ChannelHandlerContext?
    /// The head of a lookup this handler may answer, held until the request's end.
    private var held: HTTPRequestHead?
    /// Requests handed down the pipeline whose answer has not ended yet.
    private var answering = 0

    init(_ services: DirectoryLookups) {
        self.services = services
    }

    func handlerAdded(context: ChannelHandlerContext) {
        encoder = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        encoder = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let head):
            if encoder != nil, answering == 0, held == nil, Self.mayAnswer(head) {
                held = head
                return
            }
            handDown(context, part)
        case .body:
            // A lookup has no body: what was held goes down with it.
            releaseHeld(context)
            context.fireChannelRead(data)
        case .end(let trailers):
            guard let head = held, trailers == nil else {
                releaseHeld(context)
                context.fireChannelRead(data)
                return
            }
            held = nil
            guard let (status, contentType, body) = answer(head) else {
                handDown(context, .head(head))
                context.fireChannelRead(data)
                return
            }
            write(context, status: status, contentType: contentType, body: body)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), answering > 0 { answering -= 1 }
        context.write(data, promise: promise)
    }

    private func handDown(_ context: ChannelHandlerContext, _ part: HTTPServerRequestPart) {
        if case .head = part { answering += 1 }
        context.fireChannelRead(wrapInboundOut(part))
    }

    private func releaseHeld(_ context: ChannelHandlerContext) {
        guard let head = held else { return }
        held = nil
        handDown(context, .head(head))
    }

    /// Whether the head is a lookup this handler may answer (the rest is checked once the request has ended).
    static func mayAnswer(_ head: HTTPRequestHead) -> Bool {
        // Kept alive: HTTP/1.1 without `Connection: close`, or HTTP/1.0 asking keep-alive; closing is Hummingbird's.
        // Header names are compared without case by NIO's `contains(name:)`.
        guard head.method == .GET, head.uri.utf8.starts(with: Self.path.utf8), head.isKeepAlive,
            head.headers.contains(name: "authorization")
        else { return false }
        return !Self.refusedHeaders.contains { head.headers.contains(name: $0) }
    }

    /// Headers that leave a lookup to the routes: an API key, a browser's `Origin`, or a body.
    private static let refusedHeaders = ["x-api-key", "origin", "content-length", "transfer-encoding"]

    /// The answer to a lookup, or nil for the routes to answer: not the plain case, a token not checked yet, or a
    /// refusal (whose problem the routes write).
    private func answer(_ head: HTTPRequestHead) -> (HTTPResponseStatus, String, [UInt8])? {
        // One Authorization header (`mayAnswer`): a repeated one is the routes' to refuse.
        let authorizations = head.headers["authorization"]
        guard authorizations.count == 1,
            let token = RequestFacts.credentials(authorizations[0], scheme: "bearer"), !ApiKeySecret.looksLikeSecret(token),
            let user = services.sessions.cachedUser(token),
            let query = DirectoryFastPath.query(head.uri, names: DirectoryFastPath.lookupNames), let number = query["number"]
        else { return nil }
        let found: CallerIdentity?
        do {
            found = try services.directories.lookupNow(user, number: number)
        } catch {
            return nil
        }
        guard let found else { return (.notFound, "application/problem+json", Self.noContact) }
        var json = JSONBytes(capacity: 1024)
        DirectoryFastPath.write(found, to: &json)
        return (.ok, "application/json; charset=utf-8", json.bytes)
    }

    /// The generated handler's problem for a number nobody readable has.
    static let noContact: [UInt8] = Array(buffer: Problem(DirectoryFastPath.noContact).body)

    private func write(_ context: ChannelHandlerContext, status: HTTPResponseStatus, contentType: String, body: [UInt8]) {
        let date = services.dates.now()
        services.counters?.count(status: Int(status.code))
        services.answeredHere.add(1, ordering: .relaxed)
        // The codec to Swift HTTP Types answers HTTP/1.1 whatever the request's version; so does this.
        guard let encoder else { return }
        // What the encoder writes for that head and body: status line, the fields in order, an empty line, the body.
        var buffer = context.channel.allocator.buffer(capacity: 192 + body.count)
        buffer.writeStaticString("HTTP/1.1 ")
        buffer.writeString(String(status.code))
        buffer.writeStaticString(" ")
        buffer.writeString(status.reasonPhrase)
        buffer.writeStaticString("\r\nContent-Type: ")
        buffer.writeString(contentType)
        buffer.writeStaticString("\r\nContent-Length: ")
        buffer.writeString(String(body.count))
        buffer.writeStaticString("\r\nDate: ")
        buffer.writeString(date)
        if let serverName = services.serverName {
            buffer.writeStaticString("\r\nServer: ")
            buffer.writeString(serverName)
        }
        buffer.writeStaticString("\r\n\r\n")
        buffer.writeBytes(body)
        encoder.writeAndFlush(NIOAny(IOData.byteBuffer(buffer)), promise: nil)
    }
}

/// What every connection's `DirectoryLookupHandler` shares.
public final class DirectoryLookups: Sendable {
    let directories: DirectoryService
    let sessions: SessionService
    /// Port 8000's answers by status class, as `RequestCountingMiddleware` counts them.
    let counters: HTTPRequestCounters?
    /// The `Server` header Hummingbird adds to the other answers.
    let serverName: String?
    let dates = HTTPDateHeader()
    fileprivate let answeredHere = Atomic<Int>(0)

    public init(directories: DirectoryService, sessions: SessionService, counters: HTTPRequestCounters?, serverName: String?) {
        self.directories = directories
        self.sessions = sessions
        self.counters = counters
        self.serverName = serverName
    }

    /// The lookups answered in the pipeline so far (tests tell them from those the routes answered).
    public var answered: Int { answeredHere.load(ordering: .relaxed) }
}

/// The `Date` header (RFC 9110, IMF-fixdate), made once a second.
final class HTTPDateHeader: Sendable {
    private let cached = Mutex<(second: Int, text: String)>((-1, ""))

    func now() -> String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        let second = time.tv_sec
        return cached.withLock { cached in
            if cached.second != second { cached = (second, Self.text(second)) }
            return cached.text
        }
    }

    static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func text(_ second: Int) -> String {
        var seconds = time_t(second)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}

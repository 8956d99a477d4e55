import Auth
import Domain
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Reverse lookups answered on the connection's event loop, in the channel pipeline, before Hummingbird's async channel
/// (issue 22). Every Caller and Alerter asks one per incoming call, and one lookup cost the server three times slapd's
/// whole LDAP search: the database read is a fifth of it, the rest was the way to and from the handler (the async
/// channel's streams, the connection's task, the router, ten middlewares, the OpenAPI layer).
///
/// It takes the plain case only, as `DirectoryFastPath` does: `GET /api/v1/directory/lookup?number=…` with a user's
/// bearer token already checked (`SessionService.cachedUser`), no API key, no `Origin` (CORS), no body, no
/// `Connection: close`, and no other request of the connection still being answered (answers keep their order).
/// The answer comes from the same Domain call (`DirectoryService.lookupNow`: the telephony right, the readable
/// directories, the dialing plan) and is the generated handler's to the byte: the card, or the `no_contact` problem.
/// Anything else, a refusal included, goes on down the pipeline untouched, and the routes answer it as before.
final class DirectoryLookupHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let path = "/api/v1/directory/lookup?"
    static let apiKey = HTTPField.Name("X-API-Key")!

    private let services: DirectoryLookups
    /// The head of a lookup this handler may answer, held until the request's end.
    private var held: HTTPRequest?
    /// Requests handed down the pipeline whose answer has not ended yet.
    private var answering = 0

    init(_ services: DirectoryLookups) {
        self.services = services
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let head):
            if answering == 0, held == nil, Self.mayAnswer(head) {
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

    private func handDown(_ context: ChannelHandlerContext, _ part: HTTPRequestPart) {
        if case .head = part { answering += 1 }
        context.fireChannelRead(wrapInboundOut(part))
    }

    private func releaseHeld(_ context: ChannelHandlerContext) {
        guard let head = held else { return }
        held = nil
        handDown(context, .head(head))
    }

    /// Whether the head is a lookup this handler may answer (the rest is checked once the request has ended).
    static func mayAnswer(_ head: HTTPRequest) -> Bool {
        guard head.method == .get, let path = head.path, path.utf8.starts(with: Self.path.utf8),
            head.headerFields[.authorization] != nil, head.headerFields[.origin] == nil,
            head.headerFields[Self.apiKey] == nil, head.headerFields[.contentLength] == nil,
            head.headerFields[.transferEncoding] == nil,
            // `Connection: close` is Hummingbird's to honour (it closes after the answer).
            head.headerFields[.connection]?.lowercased().contains("close") != true
        else { return false }
        return true
    }

    /// The answer to a lookup, or nil for the routes to answer: not the plain case, a token not checked yet, or a
    /// refusal (whose problem the routes write).
    private func answer(_ head: HTTPRequest) -> (HTTPResponse.Status, String, [UInt8])? {
        guard let authorization = head.headerFields[.authorization],
            let token = RequestFacts.credentials(authorization, scheme: "bearer"), !ApiKeySecret.looksLikeSecret(token),
            let user = services.sessions.cachedUser(token),
            let query = DirectoryFastPath.query(head.path, names: DirectoryFastPath.lookupNames), let number = query["number"]
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

    private func write(_ context: ChannelHandlerContext, status: HTTPResponse.Status, contentType: String, body: [UInt8]) {
        var fields: HTTPFields = [.contentType: contentType, .contentLength: String(body.count), .date: services.dates.now()]
        if let serverName = services.serverName { fields[.server] = serverName }
        services.counters?.count(status: status.code)
        services.answeredHere.add(1, ordering: .relaxed)
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
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

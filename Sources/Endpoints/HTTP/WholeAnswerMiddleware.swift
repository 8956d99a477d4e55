import HTTPTypes
import Hummingbird
import NIOCore

/// Answers whose body is whole in memory go out with their head in one write (issue 22).
///
/// The generated handlers' answers reach Hummingbird through swift-openapi-hummingbird as bodies written by a closure
/// (their length known): Hummingbird flushed the head, then the body, so every REST answer cost two `write(2)` calls
/// and two loopback packets (strace of one client: 9,889 writes for 4,886 searches). Every body the API makes is
/// whole in memory; one of known length up to `limit` is gathered here into one buffer, which Hummingbird writes with
/// its head at once. Bodies of unknown length (streams) and empty ones pass untouched. It is the innermost
/// middleware, so an error while gathering still reaches `HTTPProblemMiddleware` as a problem, not a cut answer.
public struct WholeAnswerMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Larger bodies (none the API makes today) are streamed rather than copied whole.
    static var limit: Int { 4 << 20 }

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard let length = response.body.contentLength, length > 0, length <= Self.limit else { return response }
        let gathered = GatheredBody()
        try await response.body.write(GatheringWriter(into: gathered))
        let buffer = gathered.buffer ?? ByteBuffer()
        if let trailers = gathered.trailers {
            response.body = ResponseBody(contentLength: buffer.readableBytes) { writer in
                try await writer.write(buffer)
                try await writer.finish(trailers)
            }
        } else {
            response.body = ResponseBody(byteBuffer: buffer)
        }
        return response
    }
}

/// What a body wrote: its bytes, and the trailers it finished with.
final class GatheredBody {
    /// Nil until the first part; the usual single part is kept as it is, without a copy.
    var buffer: ByteBuffer?
    var trailers: HTTPFields?

    func append(_ part: ByteBuffer) {
        var part = part
        if buffer == nil { buffer = part } else { buffer?.writeBuffer(&part) }
    }
}

/// A body writer that keeps what it is given, for `WholeAnswerMiddleware`.
struct GatheringWriter: ResponseBodyWriter {
    let gathered: GatheredBody

    init(into gathered: GatheredBody) {
        self.gathered = gathered
    }

    mutating func write(_ buffer: ByteBuffer) async throws {
        gathered.append(buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        gathered.trailers = trailingHeaders
    }
}

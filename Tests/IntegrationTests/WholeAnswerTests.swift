import Endpoints
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import NIOCore
import Testing

/// An answer whose body is whole in memory leaves in one write with its head (issue 22): the generated handlers'
/// bodies, written by a closure in parts, reach the socket as one buffer; streams and trailers are kept.
@Suite struct WholeAnswerTests {
    /// Outermost: writes each answer's body through a writer that counts the writes, and tells the count.
    struct WriteCounter<Context: RequestContext>: RouterMiddleware {
        final class Seen { var writes = 0; var bytes = ByteBuffer(); var trailers: HTTPFields? }
        struct Counting: ResponseBodyWriter {
            let seen: Seen
            mutating func write(_ buffer: ByteBuffer) async throws {
                seen.writes += 1
                var buffer = buffer
                seen.bytes.writeBuffer(&buffer)
            }
            consuming func finish(_ trailingHeaders: HTTPFields?) async throws { seen.trailers = trailingHeaders }
        }

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            var response = try await next(request, context)
            let seen = Seen()
            try await response.body.write(Counting(seen: seen))
            response.headers[HTTPField.Name("X-Writes")!] = "\(seen.writes)"
            response.headers[HTTPField.Name("X-Trailer")!] = seen.trailers?[HTTPField.Name("X-Check")!] ?? "none"
            response.body = ResponseBody(byteBuffer: seen.bytes)
            return response
        }
    }

    static func application() -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: WriteCounter<BasicRequestContext>())
        router.add(middleware: WholeAnswerMiddleware<BasicRequestContext>())
        let parts = ["{\"a\":", "\"b\"", "}"]
        router.get("/parts") { _, _ in
            Response(status: .ok, body: ResponseBody(contentLength: parts.joined().utf8.count) { writer in
                for part in parts { try await writer.write(ByteBuffer(string: part)) }
                try await writer.finish(nil)
            })
        }
        router.get("/trailers") { _, _ in
            Response(status: .ok, body: ResponseBody(contentLength: 6) { writer in
                try await writer.write(ByteBuffer(string: "abc"))
                try await writer.write(ByteBuffer(string: "def"))
                try await writer.finish([HTTPField.Name("X-Check")!: "kept"])
            })
        }
        router.get("/stream") { _, _ in
            let stream = AsyncStream<ByteBuffer> { continuation in
                for part in parts { continuation.yield(ByteBuffer(string: part)) }
                continuation.finish()
            }
            return Response(status: .ok, body: ResponseBody(asyncSequence: stream))
        }
        return Application(router: router)
    }

    @Test func aBodyWrittenInPartsLeavesInOneWrite() async throws {
        try await Self.application().test(.router) { client in
            let response = try await client.execute(uri: "/parts", method: .get)
            #expect(String(buffer: response.body) == #"{"a":"b"}"#)
            #expect(response.headers[HTTPField.Name("X-Writes")!] == "1")
        }
    }

    @Test func trailersAreKept() async throws {
        try await Self.application().test(.router) { client in
            let response = try await client.execute(uri: "/trailers", method: .get)
            #expect(String(buffer: response.body) == "abcdef")
            #expect(response.headers[HTTPField.Name("X-Writes")!] == "1")
            #expect(response.headers[HTTPField.Name("X-Trailer")!] == "kept")
        }
    }

    @Test func aStreamOfUnknownLengthIsLeftAStream() async throws {
        try await Self.application().test(.router) { client in
            let response = try await client.execute(uri: "/stream", method: .get)
            #expect(String(buffer: response.body) == #"{"a":"b"}"#)
            #expect(response.headers[HTTPField.Name("X-Writes")!] == "3")
        }
    }
}

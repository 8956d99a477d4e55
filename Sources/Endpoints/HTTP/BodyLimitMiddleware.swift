import Hummingbird

/// Refuses bodies over the context's `maxUploadSize` with 413 before any handler decodes them,
/// whether or not the client announced a Content-Length.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = TWSRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let limit = context.maxUploadSize
        if let length = request.headers[.contentLength].flatMap(Int.init) {
            guard length <= limit else { throw HTTPError(.contentTooLarge) }
            return try await next(request, context)
        }
        guard request.method == .post || request.method == .put || request.method == .patch else { return try await next(request, context) }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw HTTPError(.contentTooLarge)
        }
        request.body = .init(buffer: buffer)
        return try await next(request, context)
    }
}

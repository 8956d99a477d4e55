import Hummingbird

/// Call actions (`POST /api/v1/calls/{id}/answer`, `…/hangup`, …, and taking a queued call,
/// `POST /api/v1/telephony/queues/{id}/calls/{callId}/take`, rotating an API key) take an optional JSON body; clients such as
/// `curl -X POST` send none at all. The generated decoder would read the empty body as broken JSON, so a body-less
/// action is given the empty object its schema allows.
struct EmptyActionBodyMiddleware: RouterMiddleware {
    typealias Context = TWSRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, Self.isAction(request.uri.path), request.headers[.contentType] == nil,
            request.headers[.contentLength].map({ $0 == "0" }) ?? (request.headers[.transferEncoding] == nil)
        else { return try await next(request, context) }
        var head = request.head
        head.headerFields[.contentType] = "application/json"
        head.headerFields[.contentLength] = "2"
        return try await next(Request(head: head, body: .init(buffer: ByteBuffer(string: "{}"))), context)
    }

    /// The actions whose body is optional.
    static func isAction(_ path: String) -> Bool {
        path.hasPrefix("/api/v1/calls/") || (path.hasPrefix("/api/v1/telephony/queues/") && path.hasSuffix("/take"))
            // Rotating an API key: the overlap is optional.
            || (path.hasPrefix("/api/v1/admin/companies/") && path.hasSuffix("/rotate"))
    }
}

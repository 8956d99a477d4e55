import Foundation
import Hummingbird

/// Writes `WWW-Authenticate: Negotiate <token>` as RFC 4559 wants it.
///
/// The OpenAPI runtime serialises header values URI-encoded ("Negotiate%20oYHk…%2B"), which no Negotiate client
/// reads; base64 and the scheme name hold no `%`, so decoding the value once restores it exactly.
struct NegotiateHeaderMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard request.uri.path == "/api/v1/auth/negotiate", let value = response.headers[.wwwAuthenticate], value.contains("%") else {
            return response
        }
        response.headers[.wwwAuthenticate] = value.removingPercentEncoding ?? value
        return response
    }
}

import Auth
import Domain
import Hummingbird

/// Resolves the request's bearer token into its `Caller` once, before any handler runs, for the REST and SOAP routes
/// alike (added after `RequestFactsMiddleware`, which reads the token from the headers). Handlers read `Caller.current`.
struct CallerMiddleware: RouterMiddleware {
    typealias Context = TWSRequestContext
    let sessions: SessionService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = RequestFacts.current.bearerToken else { return try await next(request, context) }
        return try await Caller.$current.withValue(await sessions.caller(token: token)) {
            try await next(request, context)
        }
    }
}

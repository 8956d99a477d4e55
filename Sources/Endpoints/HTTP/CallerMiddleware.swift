import Auth
import Domain
import Hummingbird

/// Resolves the request's bearer token into its `Caller` once, before any handler runs, for the REST and SOAP routes
/// alike (added after `RequestFactsMiddleware`, which reads the token from the headers). Handlers read `Caller.current`.
/// An API key (`X-API-Key: tws_k1_…`, or the same secret as a bearer token) is checked through `keys` (issue 19).
struct CallerMiddleware: RouterMiddleware {
    typealias Context = TWSRequestContext
    let sessions: SessionService
    var keys: ApiKeyGate? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let facts = RequestFacts.current
        if let keys, let secret = facts.apiKey ?? facts.bearerToken.flatMap({ ApiKeySecret.looksLikeSecret($0) ? $0 : nil }) {
            return try await Caller.$current.withValue(await keys.caller(secret: secret, clientAddress: facts.clientAddress)) {
                try await next(request, context)
            }
        }
        guard let token = facts.bearerToken else { return try await next(request, context) }
        return try await Caller.$current.withValue(await sessions.caller(token: token)) {
            try await next(request, context)
        }
    }
}

import Auth
import Domain
import HTTPTypes
import Hummingbird

/// CORS for browser-based CRMs on the REST API (`/api/v1/…` only; not SOAP, not the push port): origins come from
/// the per-company allow-list (`CorsPolicy`). Added after `CallerMiddleware`, so an actual request is judged by the
/// company of the caller it resolved. Never `*` and never `Access-Control-Allow-Credentials`: clients send bearer
/// tokens, not cookies.
struct CorsMiddleware: RouterMiddleware {
    typealias Context = TWSRequestContext
    let policy: CorsPolicy
    /// Turns what the inner middleware and handlers throw into the problem answer the client gets, so that an error
    /// answer carries the CORS headers too (a browser shows a page nothing it may not read).
    let problems: HTTPProblemMiddleware

    /// The request headers a page may send.
    static let allowedHeaders = ["Authorization", "Content-Type", "X-API-Key"]
    static let allowedMethods = "GET, POST, PUT, PATCH, DELETE"
    /// How long a browser may keep a preflight's answer, in seconds.
    static let maxAge = "600"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], request.uri.path.hasPrefix("/api/v1/") else {
            return try await next(request, context)
        }
        if request.method == .options, let method = request.headers[.accessControlRequestMethod] {
            // A preflight carries no credentials: any company listing the origin lets it through to the actual request,
            // which is judged by its caller's company.
            let listed = try await !policy.companies(allowing: origin).isEmpty
            let keyListed = try await policy.keysAllow(origin)
            guard !method.isEmpty, listed || keyListed else {
                return try await next(request, context)
            }
            var headers: HTTPFields = [:]
            headers[.accessControlAllowOrigin] = origin
            headers[.accessControlAllowMethods] = Self.allowedMethods
            headers[.accessControlAllowHeaders] = Self.allowed(requested: request.headers[.accessControlRequestHeaders])
            headers[.accessControlMaxAge] = Self.maxAge
            headers[.vary] = "Origin"
            return Response(status: .noContent, headers: headers)
        }
        var response = try await problems.handle(request, context: context, next: next)
        if try await allows(origin) {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = "Retry-After, Location"
            response.headers.append(HTTPField(name: .vary, value: "Origin"))
        }
        return response
    }

    /// Whether the request's caller may be answered to a page of `origin`: its company lists it (a user's, an API
    /// key's, or one of an administrator's) or the key itself does, or, for a request without good credentials (the
    /// callback status pages too), any company or publishable key does, so that the page can read its answer.
    private func allows(_ origin: String) async throws -> Bool {
        let companies = try await policy.companies(allowing: origin)
        switch Caller.current {
        case .user(let principal): return companies.contains(principal.companyId)
        case .apiKey(let principal):
            // A publishable key's own origins (issue 20) let its pages read its answers.
            return companies.contains(principal.companyId) || CorsOrigin.normalised(origin).map(principal.allowedOrigins.contains) == true
        case .admin(let principal): return principal.superUser || !principal.companyIds.isDisjoint(with: companies)
        case .anonymous, .refused:
            if !companies.isEmpty { return true }
            return try await policy.keysAllow(origin)
        }
    }

    /// The headers of `Access-Control-Request-Headers` that a page may send, as the client named them; all of them
    /// when it named none.
    static func allowed(requested: String?) -> String {
        guard let requested, !requested.trimmingCharacters(in: .whitespaces).isEmpty else { return allowedHeaders.joined(separator: ", ") }
        let allowed = Set(allowedHeaders.map { $0.lowercased() })
        let names = requested.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { allowed.contains($0.lowercased()) }
        return names.joined(separator: ", ")
    }
}

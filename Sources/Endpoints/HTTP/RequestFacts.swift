import Foundation
import HTTPTypes
import Hummingbird

/// What generated handlers cannot see in their typed input: the bearer token and the client address.
/// `RequestFactsMiddleware` sets it for the duration of each request.
public struct RequestFacts: Sendable {
    public var bearerToken: String?
    public var clientAddress: String?

    @TaskLocal public static var current = RequestFacts()

    init(headers: HTTPFields, clientAddress: String?) {
        if let value = headers[.authorization], value.count > 7, value.prefix(7).lowercased() == "bearer " {
            bearerToken = String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        self.clientAddress = clientAddress
    }

    public init(bearerToken: String? = nil, clientAddress: String? = nil) {
        self.bearerToken = bearerToken
        self.clientAddress = clientAddress
    }
}

/// Reads the facts of a request into `RequestFacts.current`. Added before the routes, so it
/// applies to the REST and SOAP routes alike.
struct RequestFactsMiddleware: RouterMiddleware {
    typealias Context = TWSRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let address = context.remoteAddress?.ipAddress
        return try await RequestFacts.$current.withValue(RequestFacts(headers: request.headers, clientAddress: address)) {
            try await next(request, context)
        }
    }
}

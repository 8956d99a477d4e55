import Foundation
import HTTPTypes
import Hummingbird

/// What generated handlers cannot see in their typed input: the bearer token and the client address.
/// `RequestFactsMiddleware` sets it for the duration of each request.
public struct RequestFacts: Sendable {
    public var bearerToken: String?
    public var clientAddress: String?
    /// The token of `Authorization: Negotiate <base64>` (RFC 4559), still in base64.
    public var negotiateToken: String?
    /// The client's address and port: one TCP connection, which a multi-leg Negotiate exchange stays on.
    public var connection: String?

    @TaskLocal public static var current = RequestFacts()

    init(headers: HTTPFields, clientAddress: String?, connection: String? = nil) {
        if let value = headers[.authorization], value.count > 7, value.prefix(7).lowercased() == "bearer " {
            bearerToken = String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        if let value = headers[.authorization], value.count > 10, value.prefix(10).lowercased() == "negotiate " {
            negotiateToken = String(value.dropFirst(10)).trimmingCharacters(in: .whitespaces)
        }
        self.clientAddress = clientAddress
        self.connection = connection
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
        let connection = context.remoteAddress.map { "\($0.ipAddress ?? "-"):\($0.port ?? 0)" }
        return try await RequestFacts.$current.withValue(RequestFacts(headers: request.headers, clientAddress: address, connection: connection)) {
            try await next(request, context)
        }
    }
}

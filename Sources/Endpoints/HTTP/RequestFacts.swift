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
    /// The value of `X-API-Key` (issue 19), when sent.
    public var apiKey: String?
    /// The `Origin` a browser sent: the page a publishable key is used from (issue 20).
    public var origin: String?

    @TaskLocal public static var current = RequestFacts()

    init(headers: HTTPFields, clientAddress: String?, connection: String? = nil) {
        if let value = headers[.authorization] {
            bearerToken = Self.credentials(value, scheme: "bearer")
            negotiateToken = bearerToken == nil ? Self.credentials(value, scheme: "negotiate") : nil
        }
        self.clientAddress = clientAddress
        self.connection = connection
        apiKey = HTTPField.Name("X-API-Key").flatMap { headers[$0] }
        origin = headers[.origin]
    }

    /// What follows `scheme` (lower-case ASCII, matched without regard to case as RFC 9110 says) and a space in an
    /// `Authorization` value, without surrounding spaces and tabs; nil for another scheme or nothing after it.
    /// Byte by byte: this runs on every request, and a token is a few hundred characters of ASCII.
    static func credentials(_ value: String, scheme: String) -> String? {
        let bytes = value.utf8
        var index = bytes.startIndex
        for expected in scheme.utf8 {
            guard index < bytes.endIndex, bytes[index] | 0x20 == expected else { return nil }
            index = bytes.index(after: index)
        }
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard index < bytes.endIndex, bytes[index] == UInt8(ascii: " ") else { return nil }
        var start = index
        var end = bytes.endIndex
        while start < end, isBlank(bytes[start]) { start = bytes.index(after: start) }
        while end > start, isBlank(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        // Only ASCII blanks were stepped over, so both ends fall on character boundaries.
        return start < end ? String(value[start..<end]) : nil
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

    /// Whose forwarding headers name the client (`trustedProxies`).
    var clientAddress = ClientAddress(trustedProxies: [])

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let address = clientAddress.resolve(peer: context.remoteAddress?.ipAddress, headers: request.headers)
        let connection = context.remoteAddress.map { "\($0.ipAddress ?? "-"):\($0.port ?? 0)" }
        return try await RequestFacts.$current.withValue(RequestFacts(headers: request.headers, clientAddress: address, connection: connection)) {
            try await next(request, context)
        }
    }
}

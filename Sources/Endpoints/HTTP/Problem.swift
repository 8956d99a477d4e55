import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime
import SOAP

/// An RFC 9457 problem: the one shape of every REST error, with the same `code` as SOAP faults.
struct Problem: Codable, Sendable {
    var type: String = "about:blank"
    var title: String
    var status: Int
    var detail: String?
    var code: String
    var field: String?
    /// The line of an uploaded document at fault (Alerter templates).
    var line: Int?
    /// The parameter that refused a forwarding rule.
    var parameter: String?
    /// The devices of a forwarding loop.
    var chain: [String]?

    init(status: HTTPResponse.Status, code: String, detail: String?, field: String? = nil) {
        self.title = status.reasonPhrase
        self.status = status.code
        self.detail = detail
        self.code = code
        self.field = field
    }

    init(_ error: DomainError) {
        self.init(status: error.kind.httpStatus, code: error.code, detail: error.message, field: error.field)
        line = error.line
        parameter = error.parameter
        chain = error.chain
    }

    var body: ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return ByteBuffer(data: (try? encoder.encode(self)) ?? Data())
    }

    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: body))
    }
}

extension DomainError.Kind {
    var httpStatus: HTTPResponse.Status {
        switch self {
        case .invalid: .badRequest
        case .unprocessable: .unprocessableContent
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooManyRequests: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .gatewayTimeout: .gatewayTimeout
        case .gone: .gone
        }
    }
}

/// Turns every error thrown by a generated handler into problem+json: Domain errors keep their
/// code; input the generated code could not decode is a 400 naming the cause; anything else is a
/// logged 500 without internals.
struct ProblemMiddleware: ServerMiddleware {
    let logger: Logger

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        do {
            return try await next(request, body, metadata)
        } catch {
            let problem = Self.problem(for: error, operationID: operationID, logger: logger)
            var headers = HTTPFields()
            headers[.contentType] = "application/problem+json"
            if problem.code == "unauthenticated" || problem.code == "invalid_credentials" { headers[.wwwAuthenticate] = "Bearer" }
            if let seconds = Self.domainError(in: error)?.retryAfter { headers[.retryAfter] = String(seconds) }
            return (HTTPResponse(status: .init(code: problem.status), headerFields: headers), HTTPBody(Data(buffer: problem.body)))
        }
    }

    /// The DomainError a handler threw, whether or not the generated code wrapped it in a ServerError.
    static func domainError(in error: any Error) -> DomainError? {
        ((error as? ServerError)?.underlyingError ?? error) as? DomainError
    }

    static func problem(for error: any Error, operationID: String, logger: Logger) -> Problem {
        let server = error as? ServerError
        let underlying = server?.underlyingError ?? error
        if let domain = Self.domainError(in: error) { return Problem(domain) }
        if let server, server.operationInput == nil {
            // The request did not decode (wrong type, unknown field, bad JSON, missing parameter).
            if let decoding = underlying as? DecodingError { return Self.problem(for: decoding) }
            return Problem(
                status: .badRequest,
                code: "invalid_request",
                detail: Self.clip(server.causeDescription + ": " + String(describing: underlying))
            )
        }
        logger.error("unexpected error", metadata: ["operation": "\(operationID)", "error": "\(String(reflecting: type(of: underlying)))"])
        return Problem(status: .internalServerError, code: "internal_error", detail: "The server could not complete the request")
    }

    /// A 400 naming the JSON field at fault, in words a client developer can act on.
    static func problem(for error: DecodingError) -> Problem {
        func path(_ codingPath: [any CodingKey]) -> String? {
            let parts = codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return parts.isEmpty ? nil : parts.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        func bad(_ detail: String, _ field: String?) -> Problem {
            Problem(status: .badRequest, code: "invalid_request", detail: detail, field: field)
        }
        switch error {
        case .typeMismatch(let type, let context):
            return bad("\(path(context.codingPath) ?? "a parameter") must be of type \(type)", path(context.codingPath))
        case .valueNotFound(_, let context):
            return bad("\(path(context.codingPath) ?? "a parameter") may not be null", path(context.codingPath))
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return bad("\(field ?? key.stringValue) is required", field)
        case .dataCorrupted(let context):
            let unknownField = context.debugDescription.contains("Additional properties")
            return bad(unknownField ? "Unknown field \(path(context.codingPath) ?? "")" : clip(context.debugDescription), path(context.codingPath))
        @unknown default:
            return bad("The request body could not be decoded", nil)
        }
    }

    /// Decoder messages can be long; the first part names the field, which is what a client needs.
    static func clip(_ text: String) -> String { text.count > 400 ? String(text.prefix(400)) + "…" : text }
}

/// Turns errors raised outside the generated handlers (unknown route, body too large, rate limit)
/// into problem+json, or into a SOAP fault with the same code when the request was a SOAP call.
struct HTTPProblemMiddleware: RouterMiddleware {
    typealias Context = TWSRequestContext
    /// The service namespace SOAP faults are written in.
    let soapNamespace: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var problem: Problem
            var retryAfter: Int?
            switch error {
            case let error as DomainError:
                problem = Problem(error)
                retryAfter = error.retryAfter
            case let error as RateLimited:
                problem = Problem(status: .tooManyRequests, code: "rate_limited", detail: "Too many login attempts; retry in \(error.retryAfter) s")
                retryAfter = error.retryAfter
            case let error as any HTTPResponseError:
                let status = error.status
                let code =
                    switch status {
                    case .notFound: "not_found"
                    case .contentTooLarge: "payload_too_large"
                    case .methodNotAllowed: "method_not_allowed"
                    case .tooManyRequests: "rate_limited"
                    default: status.code < 500 ? "invalid_request" : "internal_error"
                    }
                problem = Problem(
                    status: status,
                    code: code,
                    detail: status.code < 500 ? status.reasonPhrase : "The server could not complete the request"
                )
            default:
                throw error
            }
            var response = request.method == .post && request.uri.path == "/soap" ? soapFault(problem, request) : problem.response
            if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
            return response
        }
    }

    /// The problem as a fault of the SOAP version the client speaks (by Content-Type, as the body was not read).
    private func soapFault(_ problem: Problem, _ request: Request) -> Response {
        let version = SOAPVersion(contentType: request.headers[.contentType] ?? "") ?? .soap11
        let fault = SOAPFault(
            code: problem.code,
            message: problem.detail ?? problem.title,
            isSenderFault: problem.status < 500,
            httpStatus: problem.status
        )
        return Response(
            status: .init(code: fault.httpStatus(in: version)),
            headers: [.contentType: SOAPWriter.contentType(for: version)],
            body: .init(byteBuffer: ByteBuffer(bytes: SOAPWriter.fault(version: version, fault: fault, namespace: soapNamespace)))
        )
    }
}

import Domain
import HTTPTypes
import Hummingbird

/// Why the push channel refused a request, answered as problem+json: over plain HTTP, and before a WebSocket
/// upgrade (the client gets the status and the problem, never a socket).
struct PushRefusal: Error {
    var problem: Problem
    /// Headers beside the problem's (`WWW-Authenticate`, `Retry-After`).
    var headers: HTTPFields = [:]

    static let unauthenticated = PushRefusal(Problem(DomainError.unauthenticated), headers: [.wwwAuthenticate: "Bearer"])

    static func invalidParameter(_ field: String, _ detail: String) -> PushRefusal {
        PushRefusal(Problem(status: .badRequest, code: "invalid_parameter", detail: detail, field: field))
    }

    static let internalError = PushRefusal(
        Problem(status: .internalServerError, code: "internal_error", detail: "The server could not complete the request")
    )

    init(_ problem: Problem, headers: HTTPFields = [:]) {
        self.problem = problem
        self.headers = headers
    }

    /// A Domain error as the client should see it; 401s carry the Bearer challenge.
    init(_ error: DomainError) {
        self.init(Problem(error), headers: error.kind == .unauthorized ? [.wwwAuthenticate: "Bearer"] : [:])
    }

    /// The head and body of the answer.
    var head: HTTPResponse {
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return HTTPResponse(status: .init(code: problem.status), headerFields: fields)
    }

    var response: Response { Response(status: head.status, headers: head.headerFields, body: .init(byteBuffer: problem.body)) }
}

import HTTPTypes
import OpenAPIRuntime

/// Reads `16.0` in an integer path or query parameter as 16. JSON Schema counts 16.0 as an integer, so the contract
/// allows it (clients that hold ids as JSON numbers write them so), while the generated decoder parses Int64 text
/// only. Only parameters the contract types as integers are touched; a string parameter such as a call id or a
/// search text keeps its ".0".
struct IntegerParameterMiddleware: ServerMiddleware {
    /// Every integer path and query parameter of openapi/tws.yaml (a test keeps these lists equal to the contract's).
    static let pathNames: Set<String> = [
        "adminId", "authorizationId", "companyId", "contactId", "deviceId", "directoryId", "domainId", "groupId", "importId",
        "intercomGroupId", "listId", "pbxLinkId", "phoneQueueId", "queueId", "ruleId", "scopeId", "userId",
        // Issue 19: API keys, webhooks and their deliveries.
        "keyId", "webhookId", "deliveryId",
        // Issue 20: callback groups.
        "callbackGroupId",
    ]
    static let queryNames: Set<String> = ["companyId", "directoryId", "granteeId", "groupId", "limit", "offset", "scopeId", "userId"]

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var metadata = metadata
        for (name, value) in metadata.pathParameters where Self.pathNames.contains(name) {
            if let whole = Self.wholeNumber(value) { metadata.pathParameters[name] = whole }
        }
        var request = request
        if let path = request.path, let mark = path.firstIndex(of: "?") {
            let items = path[path.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: false).map { item -> Substring in
                guard let equals = item.firstIndex(of: "="), Self.queryNames.contains(String(item[..<equals])),
                    let whole = Self.wholeNumber(item[item.index(after: equals)...])
                else { return item }
                return item[...equals] + whole
            }
            request.path = String(path[...mark]) + items.joined(separator: "&")
        }
        return try await next(request, body, metadata)
    }

    /// "16.0" or "-3.00" without the zero fraction; nil for anything else (left to the decoder).
    static func wholeNumber(_ value: Substring) -> Substring? {
        guard let dot = value.firstIndex(of: "."), value.index(after: dot) < value.endIndex,
            value[value.index(after: dot)...].allSatisfy({ $0 == "0" })
        else { return nil }
        let integer = value[..<dot]
        let digits = integer.first == "-" ? integer.dropFirst() : integer
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return integer
    }
}

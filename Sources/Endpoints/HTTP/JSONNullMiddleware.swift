import Domain
import HTTPTypes
import OpenAPIRuntime

/// Refuses a JSON body holding `null` anywhere, naming where: no request schema of the contract allows null, and the
/// generated decoder would read it as a field left out, so a client meaning "clear this" (`{"name": null}` in a PATCH)
/// would silently keep the old value.
struct JSONNullMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let body, request.headerFields[.contentType]?.lowercased().contains("json") == true else {
            return try await next(request, body, metadata)
        }
        // The router's body limit has already bounded the size.
        let bytes = try await [UInt8](collecting: body, upTo: .max)
        if let path = JSONNullScanner.firstNull(in: bytes) {
            let field = path.isEmpty ? "body" : path
            throw DomainError(.invalid, code: "null_value", "\(field) is null: leave a field out instead of sending null", field: field)
        }
        return try await next(request, HTTPBody(bytes), metadata)
    }
}

/// Finds the first `null` literal of a JSON text outside strings and says where it sits (`rules[0].name`), without
/// building the document. Malformed JSON is left to the decoder, which refuses it with its own message.
enum JSONNullScanner {
    private enum Container {
        case object(key: String?)
        case array(index: Int)
    }

    static func firstNull(in bytes: [UInt8]) -> String? {
        var stack: [Container] = []
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "{"): stack.append(.object(key: nil))
            case UInt8(ascii: "["): stack.append(.array(index: 0))
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = stack.popLast()
            case UInt8(ascii: ","):
                switch stack.last {
                case .array(let position): stack[stack.count - 1] = .array(index: position + 1)
                case .object: stack[stack.count - 1] = .object(key: nil)
                case nil: break
                }
            case UInt8(ascii: "\""):
                let start = index + 1
                index = start
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                // A string read where an object expects its key names the member whose value comes next.
                if case .object(key: nil) = stack.last, let key = keyFollowedByColon(bytes, start: start, end: index) {
                    stack[stack.count - 1] = .object(key: key)
                }
            case UInt8(ascii: "n"):
                return path(stack)
            default: break
            }
            index += 1
        }
        return nil
    }

    private static func keyFollowedByColon(_ bytes: [UInt8], start: Int, end: Int) -> String? {
        var next = end + 1
        while next < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[next]) { next += 1 }
        guard next < bytes.count, bytes[next] == UInt8(ascii: ":"), end <= bytes.count else { return nil }
        // Escapes are kept as written: the key only labels the error.
        return String(decoding: bytes[start..<min(end, bytes.count)], as: UTF8.self)
    }

    private static func path(_ stack: [Container]) -> String {
        var path = ""
        for container in stack {
            switch container {
            case .object(let key?): path += path.isEmpty ? key : ".\(key)"
            case .object(nil): break
            case .array(let index): path += "[\(index)]"
            }
        }
        return path
    }
}

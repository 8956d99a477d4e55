import Auth
import Domain
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Directory search and reverse lookup answered without the generated decoding and `JSONEncoder` (issue 22): the two
/// requests every Caller, Alerter and CRM sends most. The same Domain calls as `TWSAPI.searchDirectory` and
/// `lookupNumber`; only the query string's reading and the answer's writing are done here, by hand.
///
/// It takes the plain case only: a user's own request whose query holds known names, each once, percent-encoded
/// UTF-8 and plain integers. Anything else (`onBehalfOf`, an API key, `+`, a repeated or unknown name) goes on to the
/// generated handler, which answers it exactly as before; errors go to `ProblemMiddleware` like the handler's.
struct DirectoryFastPath: ServerMiddleware {
    let directories: DirectoryService

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard operationID == "searchDirectory" || operationID == "lookupNumber", case .user(let user) = Caller.current,
            let query = Self.query(request.path, names: operationID == "searchDirectory" ? Self.searchNames : Self.lookupNames)
        else { return try await next(request, body, metadata) }
        if operationID == "lookupNumber" {
            guard let number = query["number"] else { return try await next(request, body, metadata) }
            guard let caller = try await directories.lookup(user, number: number) else {
                throw Self.noContact
            }
            var json = JSONBytes(capacity: 1024)
            Self.write(caller, to: &json)
            return Self.answer(json)
        }
        var fields: [ContactSearch.Field: String] = [:]
        for field in ContactSearch.Field.allCases { fields[field] = query[field.rawValue] }
        let integers = ["directoryId", "offset", "limit"].map { query[$0] }
        let parsed = integers.map { $0.flatMap(Self.integer) }
        guard zip(integers, parsed).allSatisfy({ $0 == nil || $1 != nil }) else { return try await next(request, body, metadata) }
        let search = try ContactSearch(
            text: query["q"] ?? "",
            fields: fields,
            directoryId: parsed[0],
            offset: Int(parsed[1] ?? 0),
            limit: Int(parsed[2] ?? 20)
        )
        let result = try await directories.search(user, search)
        var json = JSONBytes(capacity: 512 + 400 * result.cards.count)
        json.beginObject()
        json.field("hasMore", result.hasMore)
        json.key("items")
        json.beginArray()
        for card in result.cards { Self.write(card, to: &json) }
        json.endArray()
        json.field("limit", Int64(result.limit))
        json.field("offset", Int64(result.offset))
        json.endObject()
        return Self.answer(json)
    }

    /// A number nobody readable has (`DirectoryLookupHandler` writes the same problem).
    static let noContact = DomainError(.notFound, code: "no_contact", "No readable contact has this number")

    static let searchNames: Set<String> = ["q", "name", "company", "mail", "number", "directoryId", "offset", "limit"]
    static let lookupNames: Set<String> = ["number"]

    static func answer(_ json: JSONBytes) -> (HTTPResponse, HTTPBody?) {
        (HTTPResponse(status: .ok, headerFields: [.contentType: "application/json; charset=utf-8"]), HTTPBody(json.bytes))
    }

    /// The query's names and values, or nil when it is not the plain case (see the type's comment).
    static func query(_ path: String?, names: Set<String>) -> [String: String]? {
        guard let path else { return nil }
        guard let mark = path.utf8.firstIndex(of: UInt8(ascii: "?")) else { return [:] }
        var values: [String: String] = [:]
        for item in path.utf8[path.utf8.index(after: mark)...].split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false) {
            guard let equals = item.firstIndex(of: UInt8(ascii: "=")), let name = String(item[..<equals]), names.contains(name),
                values[name] == nil, let value = decoded(item[item.index(after: equals)...]), !value.isEmpty
            else { return nil }
            values[name] = value
        }
        return values
    }

    /// Percent-decoding into UTF-8; nil for `+` (whose meaning the generated decoder settles), a broken escape or
    /// bytes that are not UTF-8.
    static func decoded(_ raw: Substring.UTF8View) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            if byte == UInt8(ascii: "+") { return nil }
            if byte == UInt8(ascii: "%") {
                let high = raw.index(after: index)
                guard high < raw.endIndex, raw.index(after: high) < raw.endIndex,
                    let h = hexValue(raw[high]), let l = hexValue(raw[raw.index(after: high)])
                else { return nil }
                bytes.append(h << 4 | l)
                index = raw.index(high, offsetBy: 2)
            } else {
                bytes.append(byte)
                index = raw.index(after: index)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Up to 9 decimal digits, nothing else (a sign, a fraction or a larger number is the generated decoder's).
    static func integer(_ text: String) -> Int64? {
        guard (1...9).contains(text.utf8.count), text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return Int64(text)
    }

    /// A `ContactCard` of the contract, keys sorted, optional values left out when nil.
    static func write(_ card: ContactCard, to json: inout JSONBytes) {
        json.beginObject()
        json.optional("company", card.company)
        json.key("contactIds")
        json.beginArray()
        for id in card.contactIds { json.value(id) }
        json.endArray()
        json.field("directoryId", card.directoryId)
        json.field("directoryName", card.directoryName)
        json.optional("firstName", card.firstName)
        json.field("id", card.id)
        json.field("isPrivate", card.isPrivate)
        json.optional("lastName", card.lastName)
        json.optional("mail1", card.mail1)
        json.optional("mail2", card.mail2)
        json.key("mapLinks")
        json.beginArray()
        for link in card.mapLinks {
            json.beginObject()
            json.field("field", link.field.rawValue)
            json.field("url", link.url)
            json.endObject()
        }
        json.endArray()
        json.key("phones")
        json.beginArray()
        for phone in card.phones {
            json.beginObject()
            json.field("kind", phone.kind.rawValue)
            json.field("number", phone.number)
            json.endObject()
        }
        json.endArray()
        json.optional("picture", card.picture)
        json.key("privateFields")
        json.beginArray()
        for field in card.privateFields {
            json.beginObject()
            json.field("index", Int64(field.index))
            json.field("label", field.label)
            json.field("value", field.value)
            json.endObject()
        }
        json.endArray()
        json.optional("url", card.url)
        json.field("vip", card.vip)
        json.optional("vipInfo", card.vipInfo)
        json.endObject()
    }

    /// A `CallerIdentity` of the contract.
    static func write(_ caller: CallerIdentity, to json: inout JSONBytes) {
        json.beginObject()
        json.optional("company", caller.company)
        json.key("contact")
        write(caller.card, to: &json)
        json.field("name", caller.name)
        json.field("number", caller.number)
        json.endObject()
    }
}

/// `GET /health` answered with its fixed bytes, before the other middlewares and the generated encoding: it is the
/// floor every benchmark compares against, and load balancers ask it every few seconds.
struct HealthAnswer: ServerMiddleware {
    static let body: [UInt8] = Array(#"{"status":"ok"}"#.utf8)

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard operationID == "getHealth" else { return try await next(request, body, metadata) }
        return (HTTPResponse(status: .ok, headerFields: [.contentType: "application/json; charset=utf-8"]), HTTPBody(Self.body))
    }
}

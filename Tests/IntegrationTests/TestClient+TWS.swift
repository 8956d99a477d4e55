import Endpoints
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Storage
import Testing

@testable import Server

// MARK: - Building the application under test

/// Builds the real application (services, router, middleware) over a fresh database and runs `test` against it.
enum TWSTestApp {
    /// The password every test gives the boot super-user `tws` once boot mode is over.
    static let superPassword = "super-secret-password"

    /// A fast configuration: cheap bcrypt, fixed token secret, ephemeral port, a login rate limit no test reaches.
    static func configuration() -> AppConfiguration {
        var configuration = AppConfiguration()
        configuration.bcryptCost = 4
        configuration.tokenSecret = String(repeating: "s", count: 40)
        configuration.port = 0
        configuration.loginBurst = 10_000
        return configuration
    }

    /// Runs `test` against the application built exactly as `serve` builds it.
    static func run<Value: Sendable>(
        _ setup: TestingSetup = .router,
        database: AppDatabase? = nil,
        configure: (inout AppConfiguration) -> Void = { _ in },
        _ test: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        try await run(setup, database: database, configure: configure) { client, _ in try await test(client) }
    }

    /// `run`, with the server built too (its services, its lookup handler).
    static func run<Value: Sendable>(
        _ setup: TestingSetup = .router,
        database: AppDatabase? = nil,
        configure: (inout AppConfiguration) -> Void = { _ in },
        withServer test: @Sendable (any TestClientProtocol, TWSServer) async throws -> Value
    ) async throws -> Value {
        var configuration = configuration()
        configure(&configuration)
        try configuration.validate()
        var logger = Logger(label: "tws-integration-tests")
        logger.logLevel = .critical
        // Links are not dialled (these tests store links to made-up hosts; TelephonyWorld runs a connected PBX side), and
        // synchronisations start only when a test asks.
        let server = try await buildServer(
            configuration: configuration,
            database: try database ?? AppDatabase.inMemory(),
            logger: logger,
            options: ServerOptions(connectsLinks: false, schedulesSynchronisations: false)
        )
        return try await server.running(logger: logger) { try await server.api.test(setup) { client in try await test(client, server) } }
    }
}

extension TWSServer {
    /// Runs `body` while the server's long-lived services run as `serve` runs them (without the listeners: tests reach
    /// the API through `api.test`), then shuts them down in order, as SIGTERM would.
    func running<Value: Sendable>(logger: Logger, _ body: () async throws -> Value) async throws -> Value {
        let group = serviceGroup(listeners: false, signals: [], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: Result<Value, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }
}

// MARK: - Responses

/// The problem+json body every REST error carries.
struct ProblemBody: Decodable, Equatable {
    var type: String?
    var title: String
    var status: Int
    var detail: String?
    var code: String
    var field: String?
}

extension TestResponse {
    /// The body as text.
    var text: String { String(buffer: body) }

    /// The body as a JSON object (fails the test when it is not one).
    func json(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(buffer: body))
        return try #require(object as? [String: Any], "not a JSON object: \(text)", sourceLocation: sourceLocation)
    }

    /// The `items` array of a list or page answer.
    func items(sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        try #require(try json(sourceLocation: sourceLocation)["items"] as? [[String: Any]], "no items in \(text)", sourceLocation: sourceLocation)
    }

    /// The `id` of a created or fetched object.
    func id(sourceLocation: SourceLocation = #_sourceLocation) throws -> Int64 {
        try #require(try json(sourceLocation: sourceLocation).int64("id"), "no id in \(status.code) \(text)", sourceLocation: sourceLocation)
    }

    /// The problem+json body, or nil when the answer is not problem+json.
    var problem: ProblemBody? {
        guard headers[.contentType]?.hasPrefix("application/problem+json") == true else { return nil }
        return try? JSONDecoder().decode(ProblemBody.self, from: Data(buffer: body))
    }

    /// The body re-serialised with sorted keys, so two fetches of an unchanged object compare equal.
    var canonicalJSON: String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)),
            let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        else { return text }
        return String(decoding: data, as: UTF8.self)
    }
}

extension Dictionary where Key == String, Value == Any {
    func int64(_ key: String) -> Int64? { (self[key] as? NSNumber)?.int64Value }
    func int(_ key: String) -> Int? { (self[key] as? NSNumber)?.intValue }
    func string(_ key: String) -> String? { self[key] as? String }
    func bool(_ key: String) -> Bool? { (self[key] as? NSNumber)?.boolValue }
    func object(_ key: String) -> [String: Any]? { self[key] as? [String: Any] }
    func objects(_ key: String) -> [[String: Any]]? { self[key] as? [[String: Any]] }
}

/// Expects a problem+json answer with `status` and `code` (and `field` when given).
func expectProblem(
    _ response: TestResponse,
    _ status: HTTPResponse.Status,
    _ code: String,
    field: String? = nil,
    _ context: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        response.status == status,
        "\(context) expected \(status.code) \(code), got \(response.status.code) \(response.text)",
        sourceLocation: sourceLocation
    )
    let problem = response.problem
    #expect(
        problem?.code == code,
        "\(context) expected code \(code) in \(response.headers[.contentType] ?? "-") \(response.text)",
        sourceLocation: sourceLocation
    )
    #expect(problem?.status == Int(status.code), "\(context) problem status", sourceLocation: sourceLocation)
    if let field { #expect(problem?.field == field, "\(context) expected field \(field) in \(response.text)", sourceLocation: sourceLocation) }
}

// MARK: - Requests

extension TestClientProtocol {
    /// Sends a request with an optional bearer token and JSON body.
    func send(
        _ method: HTTPRequest.Method,
        _ uri: String,
        token: String? = nil,
        json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    func get(_ uri: String, token: String?) async throws -> TestResponse { try await send(.get, uri, token: token) }
    func post(_ uri: String, token: String?, json: String) async throws -> TestResponse { try await send(.post, uri, token: token, json: json) }
    func put(_ uri: String, token: String?, json: String) async throws -> TestResponse { try await send(.put, uri, token: token, json: json) }
    func patch(_ uri: String, token: String?, json: String) async throws -> TestResponse { try await send(.patch, uri, token: token, json: json) }
    func delete(_ uri: String, token: String?) async throws -> TestResponse { try await send(.delete, uri, token: token) }

    /// Posts `json` and requires 201 (or `expecting`), returning the new object's id.
    func create(
        _ uri: String,
        token: String,
        json: String,
        expecting status: HTTPResponse.Status = .created,
        sourceLocation: SourceLocation = #_sourceLocation
    )
        async throws -> Int64
    {
        let response = try await post(uri, token: token, json: json)
        try #require(response.status == status, "POST \(uri) \(json): \(response.status.code) \(response.text)", sourceLocation: sourceLocation)
        return try response.id(sourceLocation: sourceLocation)
    }

    /// Sends a request that must answer `status` (2xx setup steps), returning the response.
    @discardableResult
    func must(
        _ method: HTTPRequest.Method,
        _ uri: String,
        token: String?,
        json: String? = nil,
        answer status: HTTPResponse.Status = .ok,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> TestResponse {
        let response = try await send(method, uri, token: token, json: json)
        try #require(
            response.status == status,
            "\(method) \(uri) \(json ?? ""): \(response.status.code) \(response.text)",
            sourceLocation: sourceLocation
        )
        return response
    }

    // MARK: Sessions

    /// POST /api/v1/admin/auth/login, returning the raw answer.
    func adminLoginResponse(_ username: String, _ password: String) async throws -> TestResponse {
        try await post("/api/v1/admin/auth/login", token: nil, json: jsonObject(["username": username, "password": password]))
    }

    /// Logs an administrator in and returns the token and the boot-mode flag.
    func adminLogin(
        _ username: String,
        _ password: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (
        token: String, passwordChangeRequired: Bool
    ) {
        let response = try await adminLoginResponse(username, password)
        try #require(response.status == .ok, "admin login \(username): \(response.status.code) \(response.text)", sourceLocation: sourceLocation)
        let body = try response.json()
        let token = try #require(body.string("token"), sourceLocation: sourceLocation)
        let flag: Bool = try #require(body.bool("passwordChangeRequired") as Bool?, sourceLocation: sourceLocation)
        return (token, flag)
    }

    /// POST /api/v1/admin/auth/password.
    func changePassword(token: String, current: String, new: String) async throws -> TestResponse {
        try await post("/api/v1/admin/auth/password", token: token, json: jsonObject(["currentPassword": current, "newPassword": new]))
    }

    /// Ends boot mode (tws/tws → `TWSTestApp.superPassword`) and returns a fresh super-user token.
    func superUserToken(sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let boot = try await adminLogin("tws", "tws", sourceLocation: sourceLocation)
        let changed = try await changePassword(token: boot.token, current: "tws", new: TWSTestApp.superPassword)
        try #require(changed.status == .noContent, "change boot password: \(changed.status.code) \(changed.text)", sourceLocation: sourceLocation)
        return try await adminLogin("tws", TWSTestApp.superPassword, sourceLocation: sourceLocation).token
    }

    /// POST /api/v1/auth/login, returning the raw answer.
    func userLoginResponse(company: String? = nil, domain: String? = nil, username: String, password: String? = nil) async throws -> TestResponse {
        var body: [String: Any] = ["username": username]
        if let company { body["company"] = company }
        if let domain { body["domain"] = domain }
        if let password { body["password"] = password }
        return try await post("/api/v1/auth/login", token: nil, json: jsonObject(body))
    }

    /// Logs a user in and returns the token.
    func userLogin(
        company: String? = nil,
        domain: String? = nil,
        username: String,
        password: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        let response = try await userLoginResponse(company: company, domain: domain, username: username, password: password)
        try #require(response.status == .ok, "user login \(username): \(response.status.code) \(response.text)", sourceLocation: sourceLocation)
        return try #require(try response.json().string("token"), sourceLocation: sourceLocation)
    }

    // MARK: Tenancy helpers (as a super-user or scoped admin)

    func createCompany(_ name: String, token: String) async throws -> Int64 {
        try await create("/api/v1/admin/companies", token: token, json: jsonObject(["name": name]))
    }

    func createDomain(companyId: Int64, name: String, token: String) async throws -> Int64 {
        try await create("/api/v1/admin/domains", token: token, json: jsonObject(["companyId": companyId, "name": name, "numberingPlanLength": 4]))
    }

    func createUser(domainId: Int64, username: String, password: String? = nil, token: String) async throws -> Int64 {
        var body: [String: Any] = ["username": username, "firstName": "First \(username)", "lastName": "Last"]
        if let password { body["password"] = password }
        return try await create("/api/v1/admin/domains/\(domainId)/users", token: token, json: jsonObject(body))
    }

    func createGroup(domainId: Int64, name: String, token: String) async throws -> Int64 {
        try await create("/api/v1/admin/domains/\(domainId)/groups", token: token, json: jsonObject(["name": name]))
    }

    func addMember(groupId: Int64, userId: Int64, token: String) async throws -> TestResponse {
        try await send(.put, "/api/v1/admin/groups/\(groupId)/members/\(userId)", token: token)
    }

    func setLicence(_ application: String, companyId: Int64, available: Int, token: String) async throws -> TestResponse {
        try await put("/api/v1/admin/licences/\(application)?companyId=\(companyId)", token: token, json: #"{"available":\#(available)}"#)
    }

    /// Authorises a user, group, intercom group or phone queue to an object (a directory, an intercom group, a phone
    /// queue, a calendar), expecting it created; the authorization's id.
    @discardableResult
    func grant(
        _ objectType: String,
        _ objectId: Int64,
        objectKind: String? = nil,
        to granteeType: String,
        _ granteeId: Int64,
        token: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Int64 {
        var body: [String: Any] = ["objectType": objectType, "objectId": objectId, "granteeType": granteeType, "granteeId": granteeId]
        if let objectKind { body["objectKind"] = objectKind }
        return try await create("/api/v1/admin/authorizations", token: token, json: jsonObject(body), sourceLocation: sourceLocation)
    }

    func grantApplication(_ application: String, granteeType: String, granteeId: Int64, token: String) async throws -> TestResponse {
        try await post(
            "/api/v1/admin/authorizations",
            token: token,
            json: jsonObject(["objectType": "application", "application": application, "granteeType": granteeType, "granteeId": granteeId])
        )
    }

    /// Issue 19: user operations need an application (Caller or Toolkit for telephony, directory and presence). Grants
    /// `application` to the user, after raising the company's licences by 10 when none is free.
    func grantUserApplication(
        _ application: String = "Caller",
        userId: Int64,
        token: String,
        sourceLocation: SourceLocation = #_sourceLocation
    )
        async throws
    {
        let user = try await must(.get, "/api/v1/admin/users/\(userId)", token: token, sourceLocation: sourceLocation).json()
        let companyId = try #require(user.int64("companyId"), sourceLocation: sourceLocation)
        let licences = try await must(.get, "/api/v1/admin/licences?companyId=\(companyId)", token: token, sourceLocation: sourceLocation).json()
        let licence = licences.objects("items")?.first { $0.string("application") == application }
        if let licence, (licence.int("free") ?? 0) < 1 {
            try await must(
                .put,
                "/api/v1/admin/licences/\(application)?companyId=\(companyId)",
                token: token,
                json: #"{"available":\#((licence.int("available") ?? 0) + 10)}"#,
                sourceLocation: sourceLocation
            )
        }
        let grant = try await grantApplication(application, granteeType: "user", granteeId: userId, token: token)
        try #require(grant.status == .created || grant.status == .ok, "grant \(application): \(grant.text)", sourceLocation: sourceLocation)
    }

    func setParameter(scope: String, scopeId: Int64, application: String, name: String, value: String, token: String) async throws -> TestResponse {
        try await put("/api/v1/admin/parameter-values/\(scope)/\(scopeId)/\(application)/\(name)", token: token, json: jsonObject(["value": value]))
    }

    /// The `total` of a paged list.
    func total(_ uri: String, token: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int {
        let response = try await must(.get, uri, token: token, sourceLocation: sourceLocation)
        return try #require(try response.json().int("total"), sourceLocation: sourceLocation)
    }

    // MARK: SOAP

    /// POSTs a SOAP envelope of `version` whose Body holds `body`, with an optional bearer token.
    func soap(_ body: String, version: SOAPTestVersion = .soap12, token: String? = nil) async throws -> TestResponse {
        try await soapRaw(version.envelope(body), version: version, token: token)
    }

    /// POSTs `xml` verbatim to /soap.
    func soapRaw(_ xml: String, version: SOAPTestVersion = .soap12, token: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: version.contentType]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: "/soap", method: .post, headers: headers, body: ByteBuffer(string: xml))
    }
}

/// The two SOAP versions, as a client writes them.
enum SOAPTestVersion: Sendable {
    case soap11, soap12

    var namespace: String {
        switch self {
        case .soap11: "http://schemas.xmlsoap.org/soap/envelope/"
        case .soap12: "http://www.w3.org/2003/05/soap-envelope"
        }
    }

    /// The HTTP status of a fault in this version: SOAP 1.1 always 500 (WS-I BP R1126); SOAP 1.2 400 for a Sender
    /// fault, 500 otherwise.
    func faultStatus(sender: Bool) -> HTTPResponse.Status {
        self == .soap12 && sender ? .badRequest : .internalServerError
    }

    var contentType: String {
        switch self {
        case .soap11: "text/xml; charset=utf-8"
        case .soap12: "application/soap+xml; charset=utf-8"
        }
    }

    func envelope(_ body: String) -> String {
        """
        <?xml version="1.0" encoding="utf-8"?>
        <e:Envelope xmlns:e="\(namespace)" xmlns:tws="urn:opentws:soap:v1"><e:Body>\(body)</e:Body></e:Envelope>
        """
    }
}

/// A JSON text from a dictionary (keys sorted, for stable request bodies).
func jsonObject(_ object: [String: Any]) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
}

/// Escapes text for an XML element's content.
func xmlEscaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
}

/// The package root, from this file's path (Tests/IntegrationTests/TestClient+TWS.swift).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

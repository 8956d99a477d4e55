import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// CORS for browser-based CRMs (issue 19): a per-company allow-list of origins for the REST API.
@Suite("CORS")
struct CorsTests {
    static let crm = "https://crm.example.com"
    static let globexCRM = "https://globex.example"

    struct World {
        var superToken: String
        var acme: Int64
        var globex: Int64
        var acmeToken: String
        var globexToken: String
    }

    static func world(_ client: some TestClientProtocol) async throws -> World {
        let admin = try await client.superUserToken()
        var companies: [Int64] = []
        var tokens: [String] = []
        for name in ["Acme", "Globex"] {
            let company = try await client.createCompany(name, token: admin)
            let domain = try await client.createDomain(companyId: company, name: "Main", token: admin)
            _ = try await client.createUser(domainId: domain, username: "sam", password: "\(name)-password", token: admin)
            companies.append(company)
            tokens.append(try await client.userLogin(company: name, domain: "Main", username: "sam", password: "\(name)-password"))
        }
        try await client.must(
            .put,
            "/api/v1/admin/companies/\(companies[0])/cors-origins",
            token: admin,
            json: #"{"origins":["HTTPS://CRM.example.com:443"]}"#
        )
        try await client.must(.put, "/api/v1/admin/companies/\(companies[1])/cors-origins", token: admin, json: #"{"origins":["\#(globexCRM)"]}"#)
        return World(superToken: admin, acme: companies[0], globex: companies[1], acmeToken: tokens[0], globexToken: tokens[1])
    }

    static func preflight(_ client: some TestClientProtocol, _ uri: String, origin: String, headers: String? = nil) async throws -> TestResponse {
        var fields: HTTPFields = [.origin: origin, .accessControlRequestMethod: "GET"]
        if let headers { fields[.accessControlRequestHeaders] = headers }
        return try await client.send(.options, uri, headers: fields)
    }

    static func expectNoCORS(_ response: TestResponse, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.headers[.accessControlAllowOrigin] == nil, "\(context): \(response.headers)", sourceLocation: sourceLocation)
        #expect(response.headers[.accessControlAllowMethods] == nil, "\(context)", sourceLocation: sourceLocation)
        #expect(response.status.code < 500, "\(context): \(response.status.code) \(response.text)", sourceLocation: sourceLocation)
    }

    @Test
    func originsAreAdministeredPerCompanyNormalisedAndChecked() async throws {
        try await TWSTestApp.run { client in
            let w = try await Self.world(client)
            let acme = try await client.must(.get, "/api/v1/admin/companies/\(w.acme)/cors-origins", token: w.superToken).json()
            #expect(acme["origins"] as? [String] == [Self.crm])
            for bad in [#"{"origins":["https://crm.example.com/app"]}"#, #"{"origins":["*"]}"#, #"{"origins":["ftp://crm.example.com"]}"#] {
                expectProblem(
                    try await client.put("/api/v1/admin/companies/\(w.acme)/cors-origins", token: w.superToken, json: bad),
                    .badRequest,
                    "invalid_field",
                    field: "origins",
                    bad
                )
            }
            let many = (0...100).map { #""https://crm\#($0).example.com""# }.joined(separator: ",")
            let tooMany = try await client.put(
                "/api/v1/admin/companies/\(w.acme)/cors-origins",
                token: w.superToken,
                json: #"{"origins":[\#(many)]}"#
            )
            #expect(tooMany.status == .badRequest, "\(tooMany.text)")
            #expect(
                try await client.must(.get, "/api/v1/admin/companies/\(w.acme)/cors-origins", token: w.superToken).json()["origins"] as? [String] == [
                    Self.crm
                ]
            )
            expectProblem(try await client.get("/api/v1/admin/companies/9000001/cors-origins", token: w.superToken), .notFound, "not_found")
            // A user is no administrator.
            expectProblem(
                try await client.get("/api/v1/admin/companies/\(w.acme)/cors-origins", token: w.acmeToken),
                .unauthorized,
                "unauthenticated"
            )
        }
    }

    @Test
    func aPreflightIsAnsweredForAnOriginSomeCompanyLists() async throws {
        try await TWSTestApp.run { client in
            _ = try await Self.world(client)
            let allowed = try await Self.preflight(client, "/api/v1/me", origin: Self.crm, headers: "authorization, content-type, x-unknown")
            #expect(allowed.status == .noContent, "\(allowed.status.code) \(allowed.text)")
            #expect(allowed.headers[.accessControlAllowOrigin] == Self.crm)
            #expect(allowed.headers[.accessControlAllowMethods]?.contains("POST") == true)
            #expect(allowed.headers[.accessControlAllowHeaders] == "authorization, content-type", "only the allowed ones are echoed")
            #expect(allowed.headers[.accessControlMaxAge] == "600")
            #expect(allowed.headers[.vary] == "Origin")
            #expect(allowed.headers[.accessControlAllowCredentials] == nil)
            // Globex's origin too: a preflight carries no credentials, so any company's list lets it through.
            let globex = try await Self.preflight(client, "/api/v1/calls", origin: Self.globexCRM)
            #expect(globex.status == .noContent && globex.headers[.accessControlAllowOrigin] == Self.globexCRM)
            #expect(globex.headers[.accessControlAllowHeaders] == "Authorization, Content-Type, X-API-Key")

            Self.expectNoCORS(try await Self.preflight(client, "/api/v1/me", origin: "https://evil.example"), "unlisted origin")
            Self.expectNoCORS(try await Self.preflight(client, "/api/v1/me", origin: "https://crm.example.com:8443"), "another port")
            Self.expectNoCORS(try await Self.preflight(client, "/api/v1/me", origin: "null"), "null origin")
            Self.expectNoCORS(try await Self.preflight(client, "/soap", origin: Self.crm), "SOAP")
            Self.expectNoCORS(try await Self.preflight(client, "/openapi.yaml", origin: Self.crm), "outside /api/v1")
        }
    }

    @Test
    func anActualRequestIsReadableOnlyByPagesOfTheCallersCompany() async throws {
        try await TWSTestApp.run { client in
            let w = try await Self.world(client)
            func me(_ token: String?, _ origin: String, _ extra: HTTPFields = [:]) async throws -> TestResponse {
                var headers = extra
                headers[.origin] = origin
                if let token { headers[.authorization] = "Bearer \(token)" }
                return try await client.send(.get, "/api/v1/me", headers: headers)
            }
            let acme = try await me(w.acmeToken, Self.crm)
            #expect(acme.status == .ok)
            #expect(acme.headers[.accessControlAllowOrigin] == Self.crm)
            #expect(acme.headers[.vary]?.contains("Origin") == true)
            #expect(acme.headers[.accessControlExposeHeaders] == "Retry-After, Location")
            #expect(acme.headers[.accessControlAllowCredentials] == nil)
            // Globex's user from Acme's CRM page: nothing the browser would let the page read.
            let crossed = try await me(w.globexToken, Self.crm)
            #expect(crossed.status == .ok)
            Self.expectNoCORS(crossed, "Globex user from Acme's origin")
            #expect(try await me(w.globexToken, Self.globexCRM).headers[.accessControlAllowOrigin] == Self.globexCRM)
            // Without good credentials, a listed origin may read its 401; an unlisted one may not.
            let anonymous = try await me(nil, Self.crm)
            #expect(anonymous.status == .unauthorized && anonymous.headers[.accessControlAllowOrigin] == Self.crm)
            let refused = try await me("not-a-token", Self.globexCRM)
            #expect(refused.status == .unauthorized && refused.headers[.accessControlAllowOrigin] == Self.globexCRM)
            Self.expectNoCORS(try await me(nil, "https://evil.example"), "anonymous from an unlisted origin")
            // An error answer of the caller's company carries the headers too.
            let missing = try await client.send(
                .get,
                "/api/v1/directory/contacts/9000001",
                headers: [.origin: Self.crm, .authorization: "Bearer \(w.acmeToken)"]
            )
            #expect(missing.status.code >= 400 && missing.headers[.accessControlAllowOrigin] == Self.crm, "\(missing.status.code)")
            // No request without Origin gets CORS headers.
            Self.expectNoCORS(try await client.get("/api/v1/me", token: w.acmeToken), "no Origin")

            // The list changes at once.
            try await client.must(.put, "/api/v1/admin/companies/\(w.acme)/cors-origins", token: w.superToken, json: #"{"origins":[]}"#)
            Self.expectNoCORS(try await me(w.acmeToken, Self.crm), "after Acme's list was emptied")
            Self.expectNoCORS(try await Self.preflight(client, "/api/v1/me", origin: Self.crm), "preflight after the list was emptied")
        }
    }

    // MARK: In the browser

    @Test("In the browser: a page of a listed origin calls the API with a bearer token; an unlisted origin gets a CORS error")
    func aBrowserPageOfAnotherOriginCallsTheAPI() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tws-cors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = """
            <!doctype html><title>CRM</title><script>
            window.__result = null;
            window.callApi = (url, token) => fetch(url, { headers: { Authorization: 'Bearer ' + token } })
              .then(r => r.json().then(j => { window.__result = { status: r.status, user: j.user ? j.user.username : null }; }))
              .catch(e => { window.__result = { error: String(e) }; });
            </script>
            """
        try Data(page.utf8).write(to: folder.appendingPathComponent("crm.html"))
        try await LoopbackPageServer.run(folder: folder) { pagePort in
            try await TWSTestApp.run(.live) { client in
                let w = try await Self.world(client)
                let apiPort = try #require(client.port)
                // The page is served from 127.0.0.1:<pagePort>; the API is on localhost:<apiPort>, another origin.
                let origin = "http://127.0.0.1:\(pagePort)"
                let api = "http://localhost:\(apiPort)/api/v1/me"
                try await HeadlessBrowser.run { browser in
                    try await browser.open("\(origin)/crm.html")
                    func call() async throws -> [String: Any] {
                        _ = try await browser.run(
                            "window.__result = null; window.callApi(arguments[0], arguments[1]); return true;",
                            [api, w.acmeToken]
                        )
                        try await browser.wait("the fetch to settle", until: "return window.__result !== null;")
                        return try #require(try await browser.run("return window.__result;") as? [String: Any])
                    }
                    // Not listed: the browser refuses to hand the answer to the page.
                    let refused = try await call()
                    #expect((refused["error"] as? String)?.contains("Failed to fetch") == true, "\(refused)")
                    // Listed for Acme: the same call succeeds.
                    try await client.must(
                        .put,
                        "/api/v1/admin/companies/\(w.acme)/cors-origins",
                        token: w.superToken,
                        json: #"{"origins":["\#(Self.crm)","\#(origin)"]}"#
                    )
                    let allowed = try await call()
                    #expect(allowed["status"] as? Int == 200, "\(allowed)")
                    #expect(allowed["user"] as? String == "sam", "\(allowed)")
                    // Globex's user from that page: the origin is Acme's only.
                    _ = try await browser.run(
                        "window.__result = null; window.callApi(arguments[0], arguments[1]); return true;",
                        [api, w.globexToken]
                    )
                    try await browser.wait("the fetch to settle", until: "return window.__result !== null;")
                    let other = try #require(try await browser.run("return window.__result;") as? [String: Any])
                    #expect((other["error"] as? String)?.contains("Failed to fetch") == true, "\(other)")
                }
            }
        }
    }
}

/// Python's `http.server` on a free loopback port, serving `folder`: the other origin a browser-based CRM's page
/// comes from.
enum LoopbackPageServer {
    static func run<Value: Sendable>(folder: URL, _ body: (Int) async throws -> Value) async throws -> Value {
        let process = Process()
        // Debian's interpreter itself: a version manager's shim in PATH costs seconds to start on a loaded machine.
        process.executableURL = URL(fileURLWithPath: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "/usr/bin/env")
        process.arguments = (process.executableURL?.path == "/usr/bin/env" ? ["python3"] : [])
            + ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", folder.path]
        let output = Pipe()
        let printed = Mutex("")
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { printed.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        }
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            // SIGKILL: a child of Foundation's Process may not see SIGTERM (it starts with signals blocked).
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // "Serving HTTP on 127.0.0.1 port 43127 (http://127.0.0.1:43127/) ..."
        // A wait, not a timing check: two browser suites start one each while the whole test run loads the machine.
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        var port: Int?
        while port == nil, ContinuousClock.now < deadline, process.isRunning {
            port = printed.withLock { text in text.firstMatch(of: /port (\d+)/).flatMap { Int($0.1) } }
            if port == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let found = try #require(port, "python3 -m http.server printed no port: \(printed.withLock { $0 })")
        return try await body(found)
    }
}

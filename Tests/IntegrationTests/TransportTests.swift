import Foundation
import Hummingbird
import HummingbirdTesting
import Storage
import Testing

@testable import Server

@Suite("Rate limit")
struct RateLimitTests {
    @Test
    func fourthLoginOfABurstOfThreeAnswers429() async throws {
        try await TWSTestApp.run(configure: {
            $0.loginBurst = 3
            $0.loginPerSecond = 0.001
        }) { client in
            for attempt in 1...3 {
                let response = try await client.userLoginResponse(username: "nobody", password: "whatever-password")
                expectProblem(response, .unauthorized, "invalid_credentials", "attempt \(attempt):")
            }
            let limited = try await client.userLoginResponse(username: "nobody", password: "whatever-password")
            expectProblem(limited, .tooManyRequests, "rate_limited")
            let retryAfter = try #require(limited.headers[.retryAfter], "no Retry-After")
            #expect((Int(retryAfter) ?? 0) > 0, "Retry-After \(retryAfter)")
            // Admin logins and SOAP share the limit (they carry credentials too)...
            expectProblem(try await client.adminLoginResponse("tws", "tws"), .tooManyRequests, "rate_limited", "admin login:")
            let soap = try await client.soap("<tws:AdminLogin><tws:username>tws</tws:username><tws:password>tws</tws:password></tws:AdminLogin>")
            #expect(soap.status == .badRequest && soap.text.contains("<tws:code>rate_limited</tws:code>"))
            // ...other endpoints do not.
            #expect(try await client.get("/health", token: nil).status == .ok)
            expectProblem(try await client.get("/api/v1/admin/companies", token: nil), .unauthorized, "unauthenticated")
        }
    }
}

extension RateLimitTests {
    /// Same contract issue as oversized envelopes: RateLimitMiddleware answers SOAP calls with problem+json.
    @Test
    func rateLimitedSOAPCallAnswersASOAPFault() async throws {
        try await TWSTestApp.run(configure: {
            $0.loginBurst = 1
            $0.loginPerSecond = 0.001
        }) { client in
            let login = "<tws:AdminLogin><tws:username>tws</tws:username><tws:password>wrong-password</tws:password></tws:AdminLogin>"
            #expect(try await client.soap(login).status == .badRequest)
            let limited = try await client.soap(login)
            // A SOAP 1.2 Sender fault: HTTP 400, the REST code and its Retry-After.
            #expect(limited.status == .badRequest)
            #expect(limited.headers[.retryAfter] != nil)
            #expect(limited.headers[.contentType]?.hasPrefix("application/soap+xml") == true, "\(limited.headers)")
            #expect(limited.text.contains("<tws:code>rate_limited</tws:code>"), "\(limited.text)")
        }
    }
}

@Suite("SOAP and REST agree")
struct SOAPFaultTests {
    @Test(arguments: [SOAPTestVersion.soap11, .soap12])
    func wrongPasswordGivesTheSameCodeOverRESTAndSOAP(_ version: SOAPTestVersion) async throws {
        try await TWSTestApp.run { client in
            let token = try await client.superUserToken()
            let companyId = try await client.createCompany("Acme", token: token)
            let domainId = try await client.createDomain(companyId: companyId, name: "Main", token: token)
            _ = try await client.createUser(domainId: domainId, username: "sam", password: "sam-password", token: token)

            let rest = try await client.userLoginResponse(company: "Acme", domain: "Main", username: "sam", password: "wrong-password")
            expectProblem(rest, .unauthorized, "invalid_credentials")

            let login =
                "<tws:Login><tws:company>Acme</tws:company><tws:domain>Main</tws:domain><tws:username>sam</tws:username><tws:password>wrong-password</tws:password></tws:Login>"
            let soap = try await client.soap(login, version: version)
            // SOAP 1.1 faults travel with 500, SOAP 1.2 Sender faults with 400: clients read the fault, not a bare 401.
            #expect(soap.status == version.faultStatus(sender: true), "\(soap.status.code) \(soap.text)")
            #expect(soap.text.contains("<tws:code>invalid_credentials</tws:code>"), "\(soap.text)")
            #expect(
                soap.text.contains(version == .soap11 ? "<faultcode>soap:Client</faultcode>" : "<env:Value>env:Sender</env:Value>"),
                "\(soap.text)"
            )
            #expect(soap.headers[.contentType]?.hasPrefix(version == .soap11 ? "text/xml" : "application/soap+xml") == true)

            // The admin login twin agrees too.
            expectProblem(try await client.adminLoginResponse("tws", "wrong-password"), .unauthorized, "invalid_credentials")
            let adminSOAP = try await client.soap(
                "<tws:AdminLogin><tws:username>tws</tws:username><tws:password>wrong-password</tws:password></tws:AdminLogin>",
                version: version
            )
            #expect(adminSOAP.status == version.faultStatus(sender: true))
            #expect(adminSOAP.text.contains("<tws:code>invalid_credentials</tws:code>"), "\(adminSOAP.text)")
        }
    }

    @Test
    func bootModeGivesTheSameCodeOverRESTAndSOAP() async throws {
        try await TWSTestApp.run { client in
            let boot = try await client.adminLogin("tws", "tws")
            expectProblem(try await client.get("/api/v1/admin/licences?companyId=1", token: boot.token), .forbidden, "password_change_required")
            let soap = try await client.soap("<tws:GetLicences><tws:companyId>1</tws:companyId></tws:GetLicences>", token: boot.token)
            #expect(soap.status == .badRequest, "\(soap.text)")
            #expect(soap.text.contains("<tws:code>password_change_required</tws:code>"), "\(soap.text)")
        }
    }

    @Test
    func soapOperationsWithoutATokenFaultUnauthenticated() async throws {
        try await TWSTestApp.run { client in
            expectProblem(try await client.get("/api/v1/me", token: nil), .unauthorized, "unauthenticated")
            let soap = try await client.soap("<tws:GetMe/>")
            #expect(soap.status == .badRequest, "\(soap.text)")
            #expect(soap.text.contains("<tws:code>unauthenticated</tws:code>"), "\(soap.text)")
        }
    }
}

@Suite("Live server")
struct LiveServerTests {
    @Test
    func servesRESTSOAPAndTheWSDLOverARealSocketAndKeepsDataAcrossRestarts() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tws-live-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }

        let companyId = try await TWSTestApp.run(.live, database: try AppDatabase.open(directory: directory)) { client in
            #expect(client.port != nil && client.port != 0)
            let health = try await client.get("/health", token: nil)
            #expect(health.status == .ok)
            #expect(try health.json().string("status") == "ok")

            let token = try await client.superUserToken()
            let companyId = try await client.createCompany("Live Co", token: token)
            let domainId = try await client.createDomain(companyId: companyId, name: "Main", token: token)
            _ = try await client.createUser(domainId: domainId, username: "lee", password: "lee-password", token: token)

            let wsdl = try await client.get("/soap?wsdl", token: nil)
            #expect(wsdl.status == .ok)
            #expect(wsdl.headers[.contentType]?.hasPrefix("text/xml") == true)
            #expect(wsdl.text.contains(#"location="http://"#))
            #expect(wsdl.text.contains("TwsSoap12Port"))
            #expect(!wsdl.text.contains("localhost:8000"), "the placeholder address was not replaced")

            let login = try await client.soap(
                "<tws:Login><tws:company>Live Co</tws:company><tws:domain>Main</tws:domain><tws:username>lee</tws:username><tws:password>lee-password</tws:password></tws:Login>",
                version: .soap12
            )
            #expect(login.status == .ok, "\(login.text)")
            #expect(login.headers[.contentType]?.hasPrefix("application/soap+xml") == true, "\(login.headers)")
            let text = login.text
            let start = try #require(text.range(of: "<tws:token>"), "\(text)")
            let end = try #require(text.range(of: "</tws:token>"))
            let userToken = String(text[start.upperBound..<end.lowerBound])
            #expect(userToken.count > 20)
            // The SOAP token is a real session for REST too.
            let me = try await client.must(.get, "/api/v1/me", token: userToken).json()
            #expect(me.object("user")?.string("username") == "lee")
            return companyId
        }

        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("tws.sqlite").path))
        // A new process over the same directory: the changed admin password and the company are still there.
        try await TWSTestApp.run(database: try AppDatabase.open(directory: directory)) { client in
            expectProblem(try await client.adminLoginResponse("tws", "tws"), .unauthorized, "invalid_credentials")
            let token = try await client.adminLogin("tws", TWSTestApp.superPassword).token
            let company = try await client.must(.get, "/api/v1/admin/companies/\(companyId)", token: token).json()
            #expect(company.string("name") == "Live Co")
        }
    }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Bad input")
struct HostileInputTests {
    /// A request that must be refused, with the status and code it must get.
    enum BadRequest: String, CaseIterable, Sendable {
        case unknownFieldOnCreateCompany, wrongTypeOnCreateCompany, malformedJSONOnCreateCompany, missingFieldOnCreateCompany
        case unknownFieldOnCreateUser, wrongTypeOnCreateUser, nullForRequiredField
        case pageLimitTooLarge, negativeOffset, nonNumericPathId
        case bodyOverOneMebibyte
        case soapMalformedXML, soapExternalEntity, soapUnknownOperation
        case unknownRoute, unknownRouteUnderAdmin

        var expectedStatus: HTTPResponse.Status {
            switch self {
            case .bodyOverOneMebibyte: .contentTooLarge
            case .unknownRoute, .unknownRouteUnderAdmin: .notFound
            default: .badRequest
            }
        }

        /// The problem `code` (REST) or the `tws:code` of the fault (SOAP).
        var expectedCode: String {
            switch self {
            case .pageLimitTooLarge, .negativeOffset: "invalid_field"
            case .bodyOverOneMebibyte: "payload_too_large"
            case .soapMalformedXML: "invalid_xml"
            case .soapExternalEntity: "xml_dtd_forbidden"
            case .soapUnknownOperation: "unknown_operation"
            case .unknownRoute, .unknownRouteUnderAdmin: "not_found"
            case .nullForRequiredField: "null_value"
            default: "invalid_request"
            }
        }

        var isSOAP: Bool { rawValue.hasPrefix("soap") }

        func send(_ client: some TestClientProtocol, token: String, domainId: Int64) async throws -> TestResponse {
            let huge = String(repeating: "a", count: 2 << 20)
            switch self {
            case .unknownFieldOnCreateCompany: return try await client.post("/api/v1/admin/companies", token: token, json: #"{"name":"X","bogus":1}"#)
            case .wrongTypeOnCreateCompany: return try await client.post("/api/v1/admin/companies", token: token, json: #"{"name":5}"#)
            case .malformedJSONOnCreateCompany: return try await client.post("/api/v1/admin/companies", token: token, json: #"{"name":"X""#)
            case .missingFieldOnCreateCompany: return try await client.post("/api/v1/admin/companies", token: token, json: "{}")
            case .unknownFieldOnCreateUser:
                return try await client.post("/api/v1/admin/domains/\(domainId)/users", token: token, json: #"{"username":"eve","isAdmin":true}"#)
            case .wrongTypeOnCreateUser:
                return try await client.post("/api/v1/admin/domains/\(domainId)/users", token: token, json: #"{"username":"eve","enabled":"yes"}"#)
            case .nullForRequiredField: return try await client.post("/api/v1/admin/companies", token: token, json: #"{"name":null}"#)
            case .pageLimitTooLarge: return try await client.get("/api/v1/admin/companies?limit=100000", token: token)
            case .negativeOffset: return try await client.get("/api/v1/admin/domains/\(domainId)/users?offset=-1", token: token)
            case .nonNumericPathId: return try await client.get("/api/v1/admin/users/abc", token: token)
            case .bodyOverOneMebibyte: return try await client.post("/api/v1/admin/companies", token: token, json: #"{"name":"\#(huge)"}"#)
            case .soapMalformedXML:
                return try await client.soapRaw(
                    #"<?xml version="1.0"?><e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><tws:Login>"#
                )
            case .soapExternalEntity:
                return try await client.soapRaw(
                    """
                    <?xml version="1.0" encoding="utf-8"?>
                    <!DOCTYPE e:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
                    <e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:tws="urn:opentws:soap:v1"><e:Body><tws:Login><tws:username>&xxe;</tws:username></tws:Login></e:Body></e:Envelope>
                    """
                )
            case .soapUnknownOperation: return try await client.soap("<tws:DropAllTables/>")
            case .unknownRoute: return try await client.get("/api/v1/nothing-here", token: token)
            case .unknownRouteUnderAdmin: return try await client.post("/api/v1/admin/companies/1/explode", token: token, json: "{}")
            }
        }
    }

    @Test(arguments: BadRequest.allCases)
    func badInputIsRefusedAndChangesNothing(_ bad: BadRequest) async throws {
        try await TWSTestApp.run { client in
            let token = try await client.superUserToken()
            let companyId = try await client.createCompany("Existing", token: token)
            let domainId = try await client.createDomain(companyId: companyId, name: "Main", token: token)
            _ = try await client.createUser(domainId: domainId, username: "existing", token: token)
            let companiesBefore = try await client.total("/api/v1/admin/companies", token: token)
            let usersBefore = try await client.total("/api/v1/admin/domains/\(domainId)/users", token: token)

            let response = try await bad.send(client, token: token, domainId: domainId)

            #expect(response.status.code < 500, "\(bad): \(response.status.code) \(response.text)")
            if bad.isSOAP {
                #expect(response.status == bad.expectedStatus, "\(bad): \(response.status.code) \(response.text.prefix(300))")
                #expect(response.text.contains("<tws:code>\(bad.expectedCode)</tws:code>"), "\(bad): \(response.text.prefix(500))")
                #expect(response.headers[.contentType]?.hasPrefix("application/soap+xml") == true)
                #expect(!response.text.contains("root:"), "\(bad) leaked a local file")
            } else {
                expectProblem(response, bad.expectedStatus, bad.expectedCode, "\(bad):")
            }
            #expect(try await client.total("/api/v1/admin/companies", token: token) == companiesBefore, "\(bad) created a company")
            #expect(try await client.total("/api/v1/admin/domains/\(domainId)/users", token: token) == usersBefore, "\(bad) created a user")
        }
    }

    /// A 2 MiB Login envelope: over the 1 MiB limit.
    static func oversizedLoginEnvelope() -> String {
        "<tws:Login><tws:username>\(String(repeating: "a", count: 2 << 20))</tws:username></tws:Login>"
    }

    @Test
    func soapEnvelopeOverOneMebibyteIsRefusedWithAPayloadTooLargeFault() async throws {
        try await TWSTestApp.run { client in
            let response = try await client.soap(Self.oversizedLoginEnvelope())
            // A SOAP 1.2 Sender fault: HTTP 400 (SOAP 1.2 part 2 table 20), the REST code payload_too_large.
            #expect(response.status == .badRequest, "\(response.status.code) \(response.text.prefix(300))")
            #expect(response.text.contains("payload_too_large"), "\(response.text.prefix(300))")
            #expect(response.text.count < 4096, "the answer echoes the request")
        }
    }

    /// The WSDL promises that every SOAP error is a fault with `<tws:code>`; SOAPEnvelopeParser even implements
    /// `payload_too_large` faults, but BodyLimitMiddleware (and the /soap route's `collect(upTo:)`) refuse the body
    /// first with an `application/problem+json` answer, which a SOAP client cannot read as a fault.
    @Test
    func soapEnvelopeOverOneMebibyteAnswersASOAPFault() async throws {
        try await TWSTestApp.run { client in
            for version in [SOAPTestVersion.soap11, .soap12] {
                let response = try await client.soap(Self.oversizedLoginEnvelope(), version: version)
                #expect(response.status == version.faultStatus(sender: true))
                #expect(
                    response.headers[.contentType]?.hasPrefix(version == .soap11 ? "text/xml" : "application/soap+xml") == true,
                    "\(response.headers)"
                )
                #expect(response.text.contains("<tws:code>payload_too_large</tws:code>"), "\(response.text.prefix(300))")
            }
        }
    }

    @Test
    func invalidRequestNamesTheCauseWithoutInternals() async throws {
        try await TWSTestApp.run { client in
            let token = try await client.superUserToken()
            let response = try await client.post("/api/v1/admin/companies", token: token, json: #"{"name":"X","bogus":1}"#)
            let problem = try #require(response.problem)
            #expect(problem.detail?.contains("bogus") == true, "\(problem)")
            #expect(problem.title == "Bad Request")
            #expect((problem.detail?.count ?? 0) <= 401)
        }
    }
}

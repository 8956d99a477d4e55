import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

/// The SOAP endpoint holds clients to the specifications: header blocks it must understand, one operation per Body,
/// a media type that matches the envelope, a SOAPAction that names the operation. Each refusal runs nothing.
@Suite("Strict SOAP")
struct StrictSOAPTests {
    /// A user session whose token the checks try to end with a Logout that must not run.
    static func signedIn(_ client: some TestClientProtocol) async throws -> String {
        let admin = try await client.superUserToken()
        let company = try await client.createCompany("Acme", token: admin)
        let domain = try await client.createDomain(companyId: company, name: "Main", token: admin)
        let sam = try await client.createUser(domainId: domain, username: "sam", password: "sam-password", token: admin)
        try await client.grantUserApplication(userId: sam, token: admin)
        return try await client.userLogin(username: "sam", password: "sam-password")
    }

    /// POSTs `xml` with the given headers.
    static func post(_ client: some TestClientProtocol, _ xml: String, _ headers: HTTPFields) async throws -> TestResponse {
        try await client.execute(uri: "/soap", method: .post, headers: headers, body: ByteBuffer(string: xml))
    }

    @Test("A header block marked mustUnderstand that the server does not understand answers MustUnderstand and runs nothing", arguments: [
        SOAPTestVersion.soap11, .soap12,
    ])
    func mustUnderstand(version: SOAPTestVersion) async throws {
        try await TWSTestApp.run { client in
            let token = try await Self.signedIn(client)
            let flag = version == .soap11 ? "1" : "true"
            let xml = """
                <e:Envelope xmlns:e="\(version.namespace)" xmlns:tws="urn:opentws:soap:v1">\
                <e:Header><x:Transaction xmlns:x="urn:example:tx" e:mustUnderstand="\(flag)">42</x:Transaction></e:Header>\
                <e:Body><tws:Logout/></e:Body></e:Envelope>
                """
            let response = try await client.soapRaw(xml, version: version, token: token)
            #expect(response.status == .internalServerError)
            #expect(response.text.contains(version == .soap11 ? "<faultcode>soap:MustUnderstand</faultcode>" : "<env:Value>env:MustUnderstand</env:Value>"))
            #expect(response.text.contains("<tws:code>must_understand</tws:code>"), "\(response.text)")
            // The Logout did not run.
            _ = try await client.must(.get, "/api/v1/me", token: token)
            // Marked 0, the same block is ignored and the operation runs.
            let optional = xml.replacingOccurrences(of: "mustUnderstand=\"\(flag)\"", with: "mustUnderstand=\"0\"")
            #expect(try await client.soapRaw(optional, version: version, token: token).status == .ok)
            expectProblem(try await client.get("/api/v1/me", token: token), .unauthorized, "unauthenticated")
        }
    }

    @Test("A Body with two operations is a Sender fault and runs neither", arguments: [SOAPTestVersion.soap11, .soap12])
    func oneOperationPerBody(version: SOAPTestVersion) async throws {
        try await TWSTestApp.run { client in
            let token = try await Self.signedIn(client)
            let response = try await client.soap("<tws:GetMe/><tws:Logout/>", version: version, token: token)
            #expect(response.status == version.faultStatus(sender: true))
            #expect(response.text.contains("<tws:code>invalid_envelope</tws:code>"), "\(response.text)")
            _ = try await client.must(.get, "/api/v1/me", token: token)
        }
    }

    @Test("An envelope sent under the other version's media type answers VersionMismatch; another media type 415")
    func versionAndMediaType() async throws {
        try await TWSTestApp.run { client in
            let token = try await Self.signedIn(client)
            let soap12 = SOAPTestVersion.soap12.envelope("<tws:Logout/>")
            let mismatch = try await Self.post(client, soap12, [.contentType: "text/xml; charset=utf-8", .authorization: "Bearer \(token)"])
            #expect(mismatch.status == .internalServerError)
            #expect(mismatch.text.contains("<faultcode>soap:VersionMismatch</faultcode>"), "\(mismatch.text)")
            #expect(mismatch.headers[.contentType]?.hasPrefix("text/xml") == true)
            let soap11 = SOAPTestVersion.soap11.envelope("<tws:Logout/>")
            let other = try await Self.post(client, soap11, [.contentType: "application/soap+xml; charset=utf-8", .authorization: "Bearer \(token)"])
            #expect(other.status == .internalServerError)
            #expect(other.text.contains("<env:Value>env:VersionMismatch</env:Value>"), "\(other.text)")
            let json = try await Self.post(client, soap11, [.contentType: "application/json", .authorization: "Bearer \(token)"])
            #expect(json.status == .unsupportedMediaType)
            #expect(json.text.contains("<tws:code>unsupported_media_type</tws:code>"), "\(json.text)")
            _ = try await client.must(.get, "/api/v1/me", token: token)
        }
    }

    @Test("A SOAPAction (1.1) or action parameter (1.2) naming another operation is refused; the right one is accepted")
    func soapAction() async throws {
        try await TWSTestApp.run { client in
            let token = try await Self.signedIn(client)
            let soapAction = try #require(HTTPField.Name("SOAPAction"))
            let soap11 = SOAPTestVersion.soap11.envelope("<tws:Logout/>")
            var headers: HTTPFields = [.contentType: "text/xml; charset=utf-8", .authorization: "Bearer \(token)"]
            headers[soapAction] = "\"urn:opentws:soap:v1#GetMe\""
            let wrong = try await Self.post(client, soap11, headers)
            #expect(wrong.status == .internalServerError)
            #expect(wrong.text.contains("<tws:code>action_mismatch</tws:code>"), "\(wrong.text)")
            _ = try await client.must(.get, "/api/v1/me", token: token)
            let soap12 = SOAPTestVersion.soap12.envelope("<tws:Logout/>")
            let wrong12 = try await Self.post(
                client,
                soap12,
                [.contentType: #"application/soap+xml; charset=utf-8; action="urn:opentws:soap:v1#GetMe""#, .authorization: "Bearer \(token)"]
            )
            #expect(wrong12.status == .badRequest && wrong12.text.contains("<tws:code>action_mismatch</tws:code>"), "\(wrong12.text)")
            _ = try await client.must(.get, "/api/v1/me", token: token)
            // An empty SOAPAction (WS-I allows it) or the right one runs the operation.
            headers[soapAction] = "\"\""
            #expect(try await Self.post(client, SOAPTestVersion.soap11.envelope("<tws:GetMe/>"), headers).status == .ok)
            headers[soapAction] = "\"urn:opentws:soap:v1#Logout\""
            #expect(try await Self.post(client, soap11, headers).status == .ok)
            expectProblem(try await client.get("/api/v1/me", token: token), .unauthorized, "unauthenticated")
        }
    }
}

/// The WSDL's service address behind a TLS-terminating reverse proxy.
@Suite("WSDL address")
struct WSDLAddressTests {
    /// The `soap:address` locations of the WSDL served for `headers`.
    static func locations(_ client: some TestClientProtocol, _ headers: HTTPFields) async throws -> Set<String> {
        let wsdl = try await client.execute(uri: "/soap?wsdl", method: .get, headers: headers, body: nil).text
        return Set(wsdl.matches(of: /address location="([^"]+)"/).map { String($0.1) })
    }

    @Test("A trusted proxy's Forwarded or X-Forwarded-* headers give clients an https address; anyone else's are ignored")
    func forwardedHeadersFromTrustedProxiesOnly() async throws {
        let forwarded: HTTPFields = [HTTPField.Name("Forwarded")!: #"for=192.0.2.60;proto=https;host="tws.example.org""#]
        let xForwarded: HTTPFields = [HTTPField.Name("X-Forwarded-Proto")!: "https", HTTPField.Name("X-Forwarded-Host")!: "tws.example.org:8443"]
        try await TWSTestApp.run(.live, configure: { $0.trustedProxies = "127.0.0.1, ::1" }) { client in
            let viaForwarded = try await Self.locations(client, forwarded)
            #expect(viaForwarded == ["https://tws.example.org/soap"])
            let viaXForwarded = try await Self.locations(client, xForwarded)
            #expect(viaXForwarded == ["https://tws.example.org:8443/soap"])
            // A forged host that would break out of the attribute is not believed.
            let hostile = try await Self.locations(client, [HTTPField.Name("X-Forwarded-Host")!: #"evil"><x"#])
            #expect(hostile.allSatisfy { $0.hasPrefix("http://") && !$0.contains("evil") })
        }
        try await TWSTestApp.run(.live) { client in
            // Not a trusted proxy: the headers are a client's claims and change nothing.
            let plain = try await Self.locations(client, forwarded)
            #expect(plain.count == 1 && plain.allSatisfy { $0.hasPrefix("http://") && $0.hasSuffix("/soap") && !$0.contains("example.org") })
        }
    }
}

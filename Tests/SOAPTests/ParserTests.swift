import Foundation
import SOAP
import Testing

/// Envelope parsing, operation lookup and schema validation of well-behaved (if sometimes wrong) requests.
@Suite struct ParserTests {
    @Test func parsesSOAP11Login() throws {
        let parser = try Fixtures.parser()
        let request = try parser.parse(Fixtures.envelope(.soap11, body: Fixtures.loginBody()))

        #expect(request.version == .soap11)
        #expect(request.operation == "Login")
        #expect(request.payload.name == "Login")
        #expect(request.payload.namespace == Fixtures.namespace)
        #expect(request.payload.string("company") == "acme")
        #expect(request.payload.string("domain") == "main")
        #expect(request.payload.string("username") == "alice")
        #expect(request.payload.string("password") == "s3cret")
        #expect(request.headers.isEmpty)
    }

    @Test func parsesSOAP12LoginWithHeaderAndOptionalFieldsOmitted() throws {
        let parser = try Fixtures.parser()
        // A block for nobody (role none) is ignored even when marked mustUnderstand.
        let header =
            "<x:Trace xmlns:x=\"urn:example:trace\" e:role=\"http://www.w3.org/2003/05/soap-envelope/role/none\" e:mustUnderstand=\"true\">"
            + "<x:id>\n  42 \t</x:id></x:Trace>"
        let body = Fixtures.loginBody(company: nil, domain: nil, username: "  bob  ", password: nil)
        let request = try parser.parse(Fixtures.envelope(.soap12, body: body, header: header))

        #expect(request.version == .soap12)
        #expect(request.operation == "Login")
        #expect(request.payload.string("username") == "bob")
        #expect(request.payload.string("company") == nil)
        #expect(request.payload.string("password") == nil)
        #expect(request.headers.count == 1)
        #expect(request.headers.first?.name == "Trace")
        #expect(request.headers.first?.namespace == "urn:example:trace")
        #expect(request.headers.first?.int("id") == 42)
    }

    @Test func acceptsDataAndSlicesAsInput() throws {
        let parser = try Fixtures.parser()
        let bytes = Fixtures.envelope(.soap11, body: Fixtures.loginBody())
        #expect(try parser.parse(Data(bytes)).payload.string("username") == "alice")
        let padded = [UInt8](repeating: 0x20, count: 3) + bytes + [0x20]
        #expect(try parser.parse(padded[3..<(padded.count - 1)]).operation == "Login")
        // A non-contiguous collection takes the copying path.
        #expect(try parser.parse(AnyCollection(bytes)).payload.string("domain") == "main")
    }

    @Test func versionComesFromTheEnvelopeNamespace() throws {
        let parser = try Fixtures.parser()
        for version in SOAPVersion.allCases {
            #expect(try parser.parse(Fixtures.envelope(version, body: "<tws:GetMe/>")).version == version)
        }
        #expect(SOAPVersion(envelopeNamespace: "http://schemas.xmlsoap.org/soap/envelope/") == .soap11)
        #expect(SOAPVersion(envelopeNamespace: "http://www.w3.org/2003/05/soap-envelope") == .soap12)
        #expect(SOAPVersion(envelopeNamespace: "urn:nope") == nil)
        #expect(SOAPVersion(contentType: "Application/SOAP+XML; charset=utf-8; action=\"x\"") == .soap12)
        #expect(SOAPVersion(contentType: "text/xml") == .soap11)
        #expect(SOAPVersion(contentType: "application/json") == nil)
        #expect(SOAPVersion.soap11.contentType == "text/xml; charset=utf-8")
        #expect(SOAPVersion.soap12.contentType == "application/soap+xml; charset=utf-8")
        #expect(SOAPVersion.soap11.usesSOAPActionHeader && !SOAPVersion.soap12.usesSOAPActionHeader)
        #expect(SOAPVersion.soapAction(namespace: Fixtures.namespace, operation: "Login") == "urn:opentws:soap:v1#Login")
    }

    /// One schema-valid request per operation in the WSDL.
    static let validRequests: [(String, String)] = [
        ("Login", Fixtures.loginBody()),
        ("Logout", "<tws:Logout/>"),
        ("GetMe", "<tws:GetMe></tws:GetMe>"),
        ("AdminLogin", "<tws:AdminLogin><tws:username>root</tws:username><tws:password>pw</tws:password></tws:AdminLogin>"),
        (
            "ChangeAdminPassword",
            "<tws:ChangeAdminPassword><tws:currentPassword>a</tws:currentPassword><tws:newPassword>b-new-password</tws:newPassword></tws:ChangeAdminPassword>"
        ),
        (
            "ListUsers",
            "<tws:ListUsers><tws:domainId>7</tws:domainId><tws:query>al</tws:query>"
                + "<tws:offset>0</tws:offset><tws:limit>500</tws:limit></tws:ListUsers>"
        ),
        ("GetLicences", "<tws:GetLicences><tws:companyId>3</tws:companyId></tws:GetLicences>"),
        (
            "GetResolvedParameters",
            "<tws:GetResolvedParameters><tws:userId>9</tws:userId><tws:application>TWS</tws:application></tws:GetResolvedParameters>"
        ),
    ]

    @Test(arguments: validRequests)
    func everyOperationAcceptsAValidRequest(operation: String, body: String) throws {
        let parser = try Fixtures.parser()
        for version in SOAPVersion.allCases {
            let request = try parser.parse(Fixtures.envelope(version, body: body))
            #expect(request.operation == operation)
            #expect(request.version == version)
        }
    }

    @Test func typedAccessorsReadListUsers() throws {
        let parser = try Fixtures.parser()
        let body = "<tws:ListUsers><tws:domainId>9000000000</tws:domainId><tws:limit>25</tws:limit></tws:ListUsers>"
        let request = try parser.parse(Fixtures.envelope(.soap11, body: body))
        #expect(request.payload.int("domainId") == 9_000_000_000)
        #expect(request.payload.int("limit") == 25)
        #expect(request.payload.int("offset") == nil)
        #expect(request.payload.string("query") == nil)
    }

    @Test func unknownOperationIsRejected() throws {
        let fault = try #require(Fixtures.fault(try Fixtures.parser(), Fixtures.envelope(.soap11, body: "<tws:Frobnicate/>")))
        #expect(fault.code == "unknown_operation")
        #expect(fault.isSenderFault)
        #expect(fault.httpStatus == 400)
        #expect(fault.version == .soap11)
        #expect(fault.message.contains("Frobnicate"))
    }

    @Test func schemaTypesAreNotOperations() throws {
        // "User" is a complexType, not a global element, so it must not be accepted as an operation.
        let fault = try #require(Fixtures.fault(try Fixtures.parser(), Fixtures.envelope(.soap12, body: "<tws:User/>")))
        #expect(fault.code == "unknown_operation")
        #expect(fault.version == .soap12)
    }

    @Test func wrongNamespaceIsAnUnknownOperation() throws {
        let parser = try Fixtures.parser()
        let foreign = "<x:Login xmlns:x=\"urn:other:service\"><x:username>alice</x:username></x:Login>"
        let fault = try #require(Fixtures.fault(parser, Fixtures.envelope(.soap11, body: foreign)))
        #expect(fault.code == "unknown_operation")
        #expect(fault.message.contains("urn:other:service"))

        let unqualified = try #require(Fixtures.fault(parser, Fixtures.envelope(.soap11, body: "<Login><username>a</username></Login>")))
        #expect(unqualified.code == "unknown_operation")
    }

    @Test func missingUsernameIsASchemaViolation() throws {
        let body = Fixtures.loginBody(username: nil)
        let fault = try #require(Fixtures.fault(try Fixtures.parser(), Fixtures.envelope(.soap11, body: body)))
        #expect(fault.code == "schema_violation")
        #expect(fault.httpStatus == 400)
        #expect(fault.isSenderFault)
        #expect(fault.message.contains("username"))
        #expect(fault.version == .soap11)
    }

    @Test func limitAboveFiveHundredIsASchemaViolation() throws {
        let parser = try Fixtures.parser()
        let body = "<tws:ListUsers><tws:domainId>1</tws:domainId><tws:limit>10000</tws:limit></tws:ListUsers>"
        let fault = try #require(Fixtures.fault(parser, Fixtures.envelope(.soap12, body: body)))
        #expect(fault.code == "schema_violation")
        #expect(fault.message.contains("limit"))
        #expect(fault.message.contains("10000"))
        #expect(fault.version == .soap12)

        let zero = "<tws:ListUsers><tws:domainId>1</tws:domainId><tws:limit>0</tws:limit></tws:ListUsers>"
        #expect(Fixtures.fault(parser, Fixtures.envelope(.soap11, body: zero))?.code == "schema_violation")
        let negative = "<tws:ListUsers><tws:domainId>1</tws:domainId><tws:offset>-1</tws:offset></tws:ListUsers>"
        #expect(Fixtures.fault(parser, Fixtures.envelope(.soap11, body: negative))?.message.contains("offset") == true)
        let notANumber = "<tws:GetLicences><tws:companyId>abc</tws:companyId></tws:GetLicences>"
        #expect(Fixtures.fault(parser, Fixtures.envelope(.soap11, body: notANumber))?.message.contains("companyId") == true)
    }

    @Test func unknownChildElementIsASchemaViolation() throws {
        let body = "<tws:Login><tws:username>alice</tws:username><tws:isAdmin>true</tws:isAdmin></tws:Login>"
        let fault = try #require(Fixtures.fault(try Fixtures.parser(), Fixtures.envelope(.soap11, body: body)))
        #expect(fault.code == "schema_violation")
        #expect(fault.message.contains("isAdmin"))
    }

    @Test func overlongStringsAreSchemaViolations() throws {
        let parser = try Fixtures.parser()
        let longName = String(repeating: "a", count: 257)
        let nameFault = Fixtures.fault(parser, Fixtures.envelope(.soap11, body: Fixtures.loginBody(username: longName)))
        #expect(nameFault?.code == "schema_violation")
        #expect(nameFault?.message.contains("username") == true)

        let longPassword = String(repeating: "p", count: 1025)
        let passwordFault = Fixtures.fault(parser, Fixtures.envelope(.soap11, body: Fixtures.loginBody(password: longPassword)))
        #expect(passwordFault?.code == "schema_violation")
        #expect(passwordFault?.message.contains("password") == true)

        // The bounds are inclusive.
        let atLimit = Fixtures.loginBody(username: String(repeating: "a", count: 256), password: String(repeating: "p", count: 1024))
        #expect(try parser.parse(Fixtures.envelope(.soap11, body: atLimit)).operation == "Login")
    }

    @Test(arguments: [
        "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Body><tws:Login>",
        "<a><b></a></b>",
        "just text",
        "<a>&undefined;</a>",
        "<a x=\"1\" x=\"2\"/>",
        "<?xml version=\"1.0\"?>",
        "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Body><tws:GetMe/></e:Body></e:Envelope>",
        "<a>\u{0}</a>",
    ])
    func malformedXMLIsInvalidXML(document: String) throws {
        let fault = try #require(Fixtures.fault(try Fixtures.parser(), Array(document.utf8)))
        #expect(fault.code == "invalid_xml")
        #expect(fault.httpStatus == 400)
        #expect(fault.version == nil)
        #expect(!fault.message.isEmpty)
    }

    @Test func malformedXMLCarriesLibxml2Message() throws {
        let fault = try #require(Fixtures.fault(try Fixtures.parser(), Array("<a><b></a>".utf8)))
        #expect(fault.code == "invalid_xml")
        // The message comes from the structured error handler, not from stderr.
        #expect(fault.message.contains("mismatch"))
        #expect(fault.message.contains("line 1"))
    }

    @Test func emptyBodyBytesAreInvalidXML() throws {
        #expect(Fixtures.fault(try Fixtures.parser(), [])?.code == "invalid_xml")
    }

    @Test func nestingBeyondTheLimitIsTooDeep() throws {
        let parser = try Fixtures.parser()
        let deep = String(repeating: "<tws:x>", count: 40) + String(repeating: "</tws:x>", count: 40)
        let body = "<tws:Login><tws:username>a</tws:username>\(deep)</tws:Login>"
        let fault = try #require(Fixtures.fault(parser, Fixtures.envelope(.soap11, body: body)))
        #expect(fault.code == "xml_too_deep")
        #expect(fault.isSenderFault)

        // Far beyond libxml2's own 256-level limit: still our fault code, not invalid_xml.
        let veryDeep = String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000)
        #expect(Fixtures.fault(parser, Array(veryDeep.utf8))?.code == "xml_too_deep")
    }

    @Test func depthLimitIsConfigurableAndInclusive() throws {
        // Envelope(1) > Body(2) > ListUsers(3) > domainId(4).
        let body = "<tws:ListUsers><tws:domainId>1</tws:domainId></tws:ListUsers>"
        let exact = try Fixtures.parser(limits: SOAPLimits(maxDepth: 4))
        #expect(try exact.parse(Fixtures.envelope(.soap11, body: body)).payload.int("domainId") == 1)
        let tooSmall = try Fixtures.parser(limits: SOAPLimits(maxDepth: 3))
        #expect(Fixtures.fault(tooSmall, Fixtures.envelope(.soap11, body: body))?.code == "xml_too_deep")
    }

    @Test func oversizedBodyIsRejectedBeforeParsing() throws {
        let parser = try Fixtures.parser()
        // Not even XML: the size check must come first.
        let huge = [UInt8](repeating: UInt8(ascii: "<"), count: (1 << 20) + 1)
        let fault = try #require(Fixtures.fault(parser, huge))
        #expect(fault.code == "payload_too_large")
        #expect(fault.httpStatus == 413)
        #expect(fault.isSenderFault)

        let small = try Fixtures.parser(limits: SOAPLimits(maxBytes: 100))
        let login = Fixtures.envelope(.soap11, body: Fixtures.loginBody())
        #expect(login.count > 100)
        #expect(Fixtures.fault(small, login)?.code == "payload_too_large")
        // Exactly at the limit is allowed.
        let exact = try Fixtures.parser(limits: SOAPLimits(maxBytes: login.count))
        #expect(try exact.parse(login).operation == "Login")
    }

    @Test func nonEnvelopesAreInvalidEnvelopes() throws {
        let parser = try Fixtures.parser()
        let cases: [String] = [
            // Not an Envelope at all.
            "<tws:Login xmlns:tws=\"urn:opentws:soap:v1\"><tws:username>a</tws:username></tws:Login>",
            // No Body.
            "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Header/></e:Envelope>",
            // Body in the wrong envelope namespace (1.2 Body inside a 1.1 Envelope).
            "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                + "<f:Body xmlns:f=\"http://www.w3.org/2003/05/soap-envelope\"><tws:GetMe xmlns:tws=\"urn:opentws:soap:v1\"/></f:Body></e:Envelope>",
        ]
        for document in cases {
            let fault = Fixtures.fault(parser, Array(document.utf8))
            #expect(fault?.code == "invalid_envelope", "\(document)")
        }
        // An Envelope of no SOAP version this server speaks: a VersionMismatch (SOAP 1.1 §4.4.1, SOAP 1.2 §5.4.7).
        for document in [
            "<e:Envelope xmlns:e=\"urn:not-soap\"><e:Body><tws:GetMe xmlns:tws=\"urn:opentws:soap:v1\"/></e:Body></e:Envelope>",
            "<Envelope><Body/></Envelope>",
        ] {
            let fault = Fixtures.fault(parser, Array(document.utf8))
            #expect(fault?.code == "version_mismatch" && fault?.envelopeCode == .versionMismatch, "\(document)")
        }
        for version in SOAPVersion.allCases {
            let empty = try #require(Fixtures.fault(parser, Fixtures.envelope(version, body: "  <!-- nothing --> ")))
            #expect(empty.code == "invalid_envelope")
            #expect(empty.message.contains("empty"))
            #expect(empty.version == version)
        }
    }
}

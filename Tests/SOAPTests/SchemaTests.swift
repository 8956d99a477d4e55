import Foundation
import SOAP
import Testing

/// Loading the schema from a WSDL, and the shape of the real wsdl/tws.wsdl.
@Suite struct SchemaTests {
    static let operations =
        [
            "Login", "Logout", "GetMe", "AdminLogin", "ChangeAdminPassword", "ListUsers", "GetLicences", "GetResolvedParameters",
        ] + TelephonySchemaTests.operations + ["SearchDirectory", "LookupNumber", "GetAlerterCard", "GetPhoneQueues", "TakeQueueCall", "DivertQueueCall"]
        + ["GetRules", "GetRule", "CreateRule", "UpdateRule", "DeleteRule", "SetRuleOrder", "TestRules", "GetSharedRules"]
        + ["RequestCallback", "GetCallback", "CancelCallback"]
        + ["GetStatistics"]

    @Test func realWSDLCompiles() throws {
        let schema = try Fixtures.schema()
        #expect(schema.targetNamespace == "urn:opentws:soap:v1")
        let expected = Set(Self.operations + Self.operations.map { "\($0)Response" })
        #expect(schema.operations == expected)
    }

    @Test func realWSDLDeclaresBothBindingsAndTheAuthScheme() throws {
        let wsdl = try String(contentsOf: Fixtures.wsdlURL, encoding: .utf8)
        for operation in Self.operations {
            let action = "soapAction=\"urn:opentws:soap:v1#\(operation)\""
            #expect(wsdl.components(separatedBy: action).count - 1 == 2, "\(operation) must have a soapAction in both bindings")
            #expect(wsdl.contains("<wsdl:operation name=\"\(operation)\">"))
            #expect(wsdl.contains("element=\"tws:\(operation)\"/>"))
            #expect(wsdl.contains("element=\"tws:\(operation)Response\"/>"))
        }
        #expect(wsdl.contains("<wsdl:binding name=\"TwsSoap11Binding\" type=\"tws:TwsPortType\">"))
        #expect(wsdl.contains("<wsdl:binding name=\"TwsSoap12Binding\" type=\"tws:TwsPortType\">"))
        #expect(wsdl.contains("<soap:address location=\"http://localhost:8000/soap\"/>"))
        #expect(wsdl.contains("<soap12:address location=\"http://localhost:8000/soap\"/>"))
        #expect(wsdl.contains("Authorization: Bearer"))
        #expect(wsdl.contains("elementFormDefault=\"qualified\""))
        #expect(!wsdl.contains("style=\"rpc\""))
        #expect(!wsdl.contains("use=\"encoded\""))
    }

    @Test func locationPlaceholderIsReplaced() throws {
        let wsdl = try String(contentsOf: Fixtures.wsdlURL, encoding: .utf8)
        let served = WSDLDocument.replacingLocation(in: wsdl, with: "https://tws.example.com/soap?a=1&b=2")
        #expect(!served.contains(WSDLDocument.placeholderLocation))
        #expect(served.components(separatedBy: "location=\"https://tws.example.com/soap?a=1&amp;b=2\"").count - 1 == 2)
        // The served document still compiles.
        #expect(try SOAPSchema(wsdl: Array(served.utf8)).targetNamespace == Fixtures.namespace)
    }

    /// A minimal WSDL whose schema uses prefixes declared only on wsdl:definitions.
    static let inheritedPrefixesWSDL = """
        <?xml version="1.0"?>
        <w:definitions xmlns:w="http://schemas.xmlsoap.org/wsdl/" xmlns:s="http://www.w3.org/2001/XMLSchema"
            xmlns:t="urn:test" xmlns="urn:test" targetNamespace="urn:test">
          <w:types>
            <s:schema targetNamespace="urn:test" elementFormDefault="qualified">
              <s:simpleType name="Small"><s:restriction base="s:int"><s:maxInclusive value="5"/></s:restriction></s:simpleType>
              <s:complexType name="PingType"><s:sequence><s:element name="n" type="t:Small"/></s:sequence></s:complexType>
              <s:element name="Ping" type="t:PingType"/>
              <s:element name="Pong" type="PingType"/>
            </s:schema>
          </w:types>
        </w:definitions>
        """

    @Test func inheritedNamespaceDeclarationsAreCopiedIntoTheSchema() throws {
        let schema = try SOAPSchema(wsdl: Array(Self.inheritedPrefixesWSDL.utf8))
        #expect(schema.targetNamespace == "urn:test")
        #expect(schema.operations == ["Ping", "Pong"])
        let parser = SOAPEnvelopeParser(schema: schema)
        let ok =
            "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\">"
            + "<e:Body><Ping xmlns=\"urn:test\"><n>3</n></Ping></e:Body></e:Envelope>"
        #expect(try parser.parse(Array(ok.utf8)).payload.int("n") == 3)
        let bad = ok.replacingOccurrences(of: "<n>3</n>", with: "<n>6</n>")
        #expect(Fixtures.fault(parser, Array(bad.utf8))?.code == "schema_violation")
        // The default namespace declared on definitions resolves type="PingType" too.
        let pong = ok.replacingOccurrences(of: "Ping", with: "Pong")
        #expect(try parser.parse(Array(pong.utf8)).operation == "Pong")
    }

    @Test func picksTheSchemaMatchingTheWSDLNamespace() throws {
        let wsdl = Self.inheritedPrefixesWSDL.replacingOccurrences(
            of: "<w:types>",
            with: "<w:types><s:schema targetNamespace=\"urn:other\"><s:element name=\"Other\" type=\"s:string\"/></s:schema>"
        )
        let schema = try SOAPSchema(wsdl: Array(wsdl.utf8))
        #expect(schema.targetNamespace == "urn:test")
        #expect(schema.operations == ["Ping", "Pong"])
    }

    @Test(arguments: [
        ("not xml at all", "not usable XML"),
        ("<a/>", "wsdl:definitions"),
        ("<w:definitions xmlns:w=\"http://schemas.xmlsoap.org/wsdl/\"/>", "no xsd:schema"),
        (
            "<w:definitions xmlns:w=\"http://schemas.xmlsoap.org/wsdl/\"><w:types><s:schema xmlns:s=\"http://www.w3.org/2001/XMLSchema\"/>"
                + "</w:types></w:definitions>",
            "no targetNamespace"
        ),
        (
            "<w:definitions xmlns:w=\"http://schemas.xmlsoap.org/wsdl/\"><w:types><s:schema xmlns:s=\"http://www.w3.org/2001/XMLSchema\""
                + " targetNamespace=\"urn:x\"><s:element name=\"A\" type=\"s:noSuchType\"/></s:schema></w:types></w:definitions>",
            "does not compile"
        ),
    ])
    func brokenWSDLsAreRejected(wsdl: String, expected: String) {
        #expect {
            _ = try SOAPSchema(wsdl: Array(wsdl.utf8))
        } throws: { error in
            guard let error = error as? SOAPSchemaError else { return false }
            return error.message.contains(expected)
        }
    }
}

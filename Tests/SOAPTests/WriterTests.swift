import Foundation
import SOAP
import Testing

/// Response and fault serialisation, checked by parsing the output back.
@Suite struct WriterTests {
    @Test func responseEscapesAndRoundTripsThroughTheParser() throws {
        let nasty = "<&>\"' ]]> tab\there"
        let body = SOAPElement(
            "LoginResponse",
            children: [
                .leaf("token", nasty),
                .leaf("expiresAt", Date(timeIntervalSince1970: 1_700_000_000)),
                .leaf("userId", Int64(42)),
                .leaf("methods", "TWS|None"),
            ]
        )
        for version in SOAPVersion.allCases {
            let bytes = SOAPWriter.response(version: version, operation: "LoginResponse", namespace: Fixtures.namespace, body: body)
            let xml = try #require(String(bytes: bytes, encoding: .utf8))
            #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>"))
            #expect(xml.contains("&lt;&amp;&gt;&quot;&apos; ]]&gt;"))
            #expect(!xml.contains(nasty))
            #expect(xml.contains("xmlns:tws=\"urn:opentws:soap:v1\""))
            #expect(xml.contains("<tws:token>"))

            // LoginResponse is a global element, so the parser validates the whole response against the schema.
            let parsed = try Fixtures.parser().parse(bytes)
            #expect(parsed.version == version)
            #expect(parsed.operation == "LoginResponse")
            #expect(parsed.payload.string("token") == nasty)
            #expect(parsed.payload.string("expiresAt") == "2023-11-14T22:13:20Z")
            #expect(parsed.payload.int("userId") == 42)
            #expect(parsed.payload.string("methods") == "TWS|None")
        }
    }

    @Test func responseWrapperIsNamedAfterTheOperation() throws {
        let bytes = SOAPWriter.response(version: .soap11, operation: "LogoutResponse", namespace: Fixtures.namespace, body: SOAPElement(""))
        let xml = try #require(String(bytes: bytes, encoding: .utf8))
        #expect(xml.contains("<soap:Body><tws:LogoutResponse/></soap:Body>"))
        #expect(try Fixtures.parser().parse(bytes).operation == "LogoutResponse")
    }

    @Test func illegalXMLCharactersAreReplaced() throws {
        let body = SOAPElement(
            "LoginResponse",
            children: [
                .leaf("token", "a\u{0}b\u{1B}c\u{FFFF}d\re"),
                .leaf("expiresAt", "2024-01-01T00:00:00Z"),
                .leaf("userId", 1),
                .leaf("methods", "TWS"),
            ]
        )
        let bytes = SOAPWriter.response(version: .soap12, namespace: Fixtures.namespace, body: body)
        #expect(!bytes.contains(0))
        #expect(!bytes.contains(0x1B))
        let parsed = try Fixtures.parser().parse(bytes)
        #expect(parsed.payload.string("token") == "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\re")
    }

    @Test func getMeResponseMatchesTheSchema() throws {
        let body = SOAPElement(
            "GetMeResponse",
            children: [
                SOAPElement(
                    "user",
                    children: [
                        .leaf("id", 1), .leaf("username", "alice"), .leaf("firstName", "Alice"), .leaf("lastName", nil as String?),
                        .leaf("email", "alice@example.com"), .leaf("mobile", nil as String?), .leaf("culture", "fr-FR"),
                    ]
                ),
                SOAPElement("domain", children: [.leaf("id", 2), .leaf("name", "main")]),
                SOAPElement("company", children: [.leaf("id", 3), .leaf("name", "ACME & Sons")]),
                SOAPElement(
                    "device",
                    children: [
                        .leaf("id", 4), .leaf("number", "+33 1 23"), .leaf("protocol", "SIP"), .leaf("lines", 2), .leaf("video", true),
                    ]
                ),
                SOAPElement(
                    "device",
                    children: [
                        .leaf("id", 5), .leaf("number", "1002"), .leaf("protocol", "H323"), .leaf("lines", 1), .leaf("video", false),
                    ]
                ),
                SOAPElement("application", children: [.leaf("code", "TWS"), .leaf("name", "Telephony")]),
                SOAPElement("parameter", children: [.leaf("application", "TWS"), .leaf("name", "ring"), .leaf("value", "")]),
            ]
        )
        let bytes = SOAPWriter.response(version: .soap11, namespace: Fixtures.namespace, body: body)
        let parsed = try Fixtures.parser().parse(bytes)
        #expect(parsed.operation == "GetMeResponse")
        #expect(parsed.payload.child("user")?.string("email") == "alice@example.com")
        #expect(parsed.payload.child("user")?.string("mobile") == nil)
        #expect(parsed.payload.child("company")?.string("name") == "ACME & Sons")
        #expect(parsed.payload.children(named: "device").map { $0.bool("video") } == [true, false])
        #expect(parsed.payload.child("parameter")?.string("value") == "")

        // The writer really is checked by the schema: dropping a required child must fail validation.
        var broken = body
        broken.children.removeAll { $0.name == "company" }
        let fault = Fixtures.fault(try Fixtures.parser(), SOAPWriter.response(version: .soap11, namespace: Fixtures.namespace, body: broken))
        #expect(fault?.code == "schema_violation")
    }

    @Test func foreignNamespaceChildrenGetADefaultNamespaceDeclaration() throws {
        let body = SOAPElement(
            "Wrapper",
            children: [
                SOAPElement("ext", namespace: "urn:ext", children: [.leaf("inner", "x")]),
                .leaf("own", "y"),
            ]
        )
        let bytes = SOAPWriter.response(version: .soap11, namespace: Fixtures.namespace, body: body)
        let envelope = try SOAPElement(xml: bytes)
        let wrapper = try #require(envelope.child("Body")?.child("Wrapper"))
        #expect(wrapper.namespace == Fixtures.namespace)
        #expect(wrapper.child("ext")?.namespace == "urn:ext")
        #expect(wrapper.child("ext")?.child("inner")?.namespace == "urn:ext")
        #expect(wrapper.child("own")?.namespace == Fixtures.namespace)
    }

    @Test(arguments: [true, false])
    func soap11FaultParsesBackWithCode(isSender: Bool) throws {
        let fault =
            isSender
            ? SOAPFault(sender: "unauthorized", "bad token <&>")
            : SOAPFault(receiver: "database_down", "try later")
        let bytes = SOAPWriter.fault(version: .soap11, fault: fault, namespace: Fixtures.namespace)
        let envelope = try SOAPElement(xml: bytes)
        #expect(envelope.name == "Envelope")
        #expect(envelope.namespace == "http://schemas.xmlsoap.org/soap/envelope/")
        let soapFault = try #require(envelope.child("Body")?.child("Fault"))
        #expect(soapFault.namespace == "http://schemas.xmlsoap.org/soap/envelope/")
        #expect(soapFault.string("faultcode") == (isSender ? "soap:Client" : "soap:Server"))
        #expect(soapFault.string("faultstring") == fault.message)
        let code = try #require(soapFault.child("detail")?.child("code"))
        #expect(code.text == fault.code)
        #expect(code.namespace == Fixtures.namespace)
        #expect(fault.httpStatus == (isSender ? 400 : 500))
    }

    @Test(arguments: [true, false])
    func soap12FaultParsesBackWithCode(isSender: Bool) throws {
        let fault =
            isSender
            ? SOAPFault(sender: "schema_violation", "Element 'limit': 10000 > 500")
            : SOAPFault(receiver: "internal_error", "boom")
        let bytes = SOAPWriter.fault(version: .soap12, fault: fault, namespace: Fixtures.namespace)
        let xml = try #require(String(bytes: bytes, encoding: .utf8))
        #expect(xml.contains("xml:lang=\"en\""))
        let envelope = try SOAPElement(xml: bytes)
        #expect(envelope.namespace == "http://www.w3.org/2003/05/soap-envelope")
        let soapFault = try #require(envelope.child("Body")?.child("Fault"))
        #expect(soapFault.child("Code")?.string("Value") == (isSender ? "env:Sender" : "env:Receiver"))
        #expect(soapFault.child("Reason")?.string("Text") == fault.message)
        #expect(soapFault.child("Detail")?.child("code")?.text == fault.code)
        #expect(soapFault.child("Detail")?.child("code")?.namespace == Fixtures.namespace)
    }

    @Test func contentTypes() {
        #expect(SOAPWriter.contentType(for: .soap11) == "text/xml; charset=utf-8")
        #expect(SOAPWriter.contentType(for: .soap12) == "application/soap+xml; charset=utf-8")
    }

    @Test func faultInitialisers() {
        let sender = SOAPFault(sender: "not_found", "no such user")
        #expect(sender.isSenderFault && sender.httpStatus == 400 && sender.code == "not_found" && sender.version == nil)
        let receiver = SOAPFault(receiver: "internal_error", "oops", version: .soap12)
        #expect(!receiver.isSenderFault && receiver.httpStatus == 500 && receiver.version == .soap12)
        #expect(SOAPFault(sender: "payload_too_large", "big", httpStatus: 413).httpStatus == 413)
    }
}

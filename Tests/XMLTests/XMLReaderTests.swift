import Testing
import XML

/// The hardened reader on its own: what it refuses, and with which `XMLError`.
@Suite struct XMLReaderTests {
    /// One refused document and the reason the reader must give.
    struct RefusedCase: Sendable, CustomTestStringConvertible {
        let label: String
        let xml: String
        let limits: XMLLimits
        let expected: XMLError

        init(_ label: String, _ xml: String, limits: XMLLimits = XMLLimits(), expected: XMLError) {
            self.label = label
            self.xml = xml
            self.limits = limits
            self.expected = expected
        }

        var testDescription: String { label }
    }

    static let refused: [RefusedCase] = [
        RefusedCase("no bytes", "", expected: .empty),
        RefusedCase("one byte over the limit", "<a>12</a>", limits: XMLLimits(maxBytes: 8), expected: .tooLarge(bytes: 9, limit: 8)),
        RefusedCase("internal subset", "<!DOCTYPE a [<!ELEMENT a ANY>]><a/>", expected: .dtdForbidden),
        RefusedCase("external entity", #"<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>"#, expected: .dtdForbidden),
        RefusedCase("external DTD", #"<!DOCTYPE a SYSTEM "http://127.0.0.1:1/a.dtd"><a/>"#, expected: .dtdForbidden),
        RefusedCase("one level too deep", "<a><b><c/></b></a>", limits: XMLLimits(maxDepth: 2), expected: .tooDeep(limit: 2)),
        RefusedCase(
            "beyond libxml2's own limit",
            String(repeating: "<a>", count: 300) + String(repeating: "</a>", count: 300),
            expected: .tooDeep(limit: 32)
        ),
    ]

    @Test(arguments: refused)
    func refusedDocumentsNameTheirReason(_ refusedCase: RefusedCase) {
        #expect(throws: refusedCase.expected) {
            try XElement(xml: Array(refusedCase.xml.utf8), limits: refusedCase.limits)
        }
    }

    @Test(arguments: ["hello", "<a><b></a>", "<a>&undeclared;</a>", "<p:a/>", "<a/><b/>"])
    func malformedDocumentsCarryLibxml2sMessage(xml: String) throws {
        let error = try #require(throws: XMLError.self) { try XElement(xml: Array(xml.utf8)) }
        guard case .malformed(let diagnostic) = error else {
            Issue.record("expected malformed, got \(error)")
            return
        }
        #expect(diagnostic?.isEmpty == false)
        #expect(error.code == "invalid_xml")
    }

    @Test func depthLimitIsInclusive() throws {
        let root = try XElement(xml: Array("<a><b/></a>".utf8), limits: XMLLimits(maxDepth: 2))
        #expect(root.child("b") != nil)
    }

    @Test func codesAreStable() {
        let errors: [XMLError] = [.empty, .malformed(nil), .tooLarge(bytes: 2, limit: 1), .dtdForbidden, .tooDeep(limit: 1), .parserUnavailable]
        let codes = errors.map(\.code)
        #expect(codes == ["invalid_xml", "invalid_xml", "payload_too_large", "xml_dtd_forbidden", "xml_too_deep", "internal_error"])
    }
}

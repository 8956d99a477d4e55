import Foundation
import Testing
import XML

/// The value helpers of `XElement`.
@Suite struct XElementTests {
    @Test func accessorsReadDirectChildren() {
        let element = XElement(
            "Root",
            children: [
                .leaf("name", "x"),
                .leaf("count", 12),
                .leaf("big", Int64(9_000_000_000)),
                .leaf("yes", true),
                .leaf("no", false),
                XElement("one", text: "1"),
                XElement("zero", text: "0"),
                XElement("bad", text: "maybe"),
                XElement("item", children: [.leaf("id", 1)]),
                XElement("item", children: [.leaf("id", 2)]),
            ]
        )
        #expect(element.string("name") == "x")
        #expect(element.int("count") == 12)
        #expect(element.int("big") == 9_000_000_000)
        #expect(element.int("name") == nil)
        #expect(element.bool("yes") == true)
        #expect(element.bool("no") == false)
        #expect(element.bool("one") == true)
        #expect(element.bool("zero") == false)
        #expect(element.bool("bad") == nil)
        #expect(element.bool("missing") == nil)
        #expect(element.children(named: "item").compactMap { $0.int("id") } == [1, 2])
        #expect(element.child("item")?.int("id") == 1)
        #expect(element.child("missing") == nil)
    }

    @Test func nilOptionalsAreOmitted() {
        let missing: String? = nil
        let count: Int? = nil
        let element = XElement("LoginResponse", children: [.leaf("token", "t"), .leaf("firstName", missing), .leaf("lines", count)])
        #expect(element.children.map(\.name) == ["token"])
    }

    @Test func descriptionMasksSecrets() {
        let element = XElement("Login", children: [.leaf("username", "alice"), .leaf("newPassword", "hunter2"), .leaf("token", "abc")])
        #expect(element.description == "Login[username=\"alice\", newPassword=***, token=***]")
    }

    @Test func datesAreWrittenAsUTCISO8601() {
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(XElement.leaf("expiresAt", date)?.text == "2023-11-14T22:13:20Z")
    }

    @Test func parsesArbitraryXMLWithTheSameHardening() throws {
        let element = try XElement(xml: Array("<a xmlns=\"urn:x\"><b> 1 </b><c><![CDATA[<raw>]]></c></a>".utf8))
        #expect(element.name == "a")
        #expect(element.namespace == "urn:x")
        #expect(element.int("b") == 1)
        #expect(element.string("c") == "<raw>")
        #expect(throws: XMLError.dtdForbidden) { try XElement(xml: Array("<!DOCTYPE a><a/>".utf8)) }
    }
}

import Testing

@testable import Domain

/// The Alerter's own rules, without XML: what a template may hold, and how values are put into texts, addresses and
/// command lines (admin guide 9.2.1).
@Suite struct AlerterTemplateCheckTests {
    typealias Node = AlerterTemplateNode

    @Test("A template of the documented elements and attributes reads into elements, in order, with their filters")
    func documentedTemplateReads() throws {
        let root = Node(
            name: "alerter",
            line: 1,
            attributes: [.init("vip", " TRUE ")],
            text: "\n  ",
            children: [
                Node(name: "text", line: 2, attributes: [.init("x", "10"), .init("y", " 20 ")], text: "  [-DisplayName-]  "),
                Node(name: "image", line: 3, attributes: [.init("directory", "CRM, LDAP ,")], text: "[-Picture-]"),
                Node(name: "button", line: 4, attributes: [.init("exe", "notepad [-PhoneNumber-]")], text: "Notes"),
            ]
        )
        let template = try AlerterTemplate.check(root)
        #expect(template.vip)
        #expect(template.elements.map(\.kind) == [.text, .image, .button])
        #expect(template.elements[0].x == 10 && template.elements[0].y == 20 && template.elements[0].content == "[-DisplayName-]")
        #expect(template.elements[1].directories == ["crm", "ldap"])
        #expect(template.elements[2].exe == "notepad [-PhoneNumber-]" && template.elements[2].url == nil)
    }

    @Test(
        "Anything else is refused with its line",
        arguments: [
            (Node(name: "alerter", line: 1, children: [Node(name: "text", line: 4, attributes: [.init("x", "1e3")])]), 4, "x must be a whole number"),
            (Node(name: "alerter", line: 1, children: [Node(name: "text", line: 2, attributes: [.init("x", "1"), .init("x", "2")])]), 2, "given twice"),
            (Node(name: "alerter", line: 1, children: [Node(name: "text", line: 2, attributes: [.init("directory", "none, CRM")])]), 2, "cannot be combined"),
            (Node(name: "alerter", line: 1, children: [Node(name: "text", line: 2, attributes: [.init("y", "10001")])]), 2, "from 0 to 10000"),
            (Node(name: "alerter", line: 1, children: [Node(name: "x:text", namespaced: true, line: 3)]), 3, "unknown element <x:text>"),
            (Node(name: "alerter", line: 1, children: [Node(name: "image", line: 2)]), 2, "needs the image's address"),
            (Node(name: "alerter", line: 1, children: [Node(name: "button", line: 2, attributes: [.init("url", " ")], text: "Go")]), 2, "may not be empty"),
            (Node(name: "alerter", line: 1, attributes: [.init("xml:lang", "fr")]), 1, "unknown attribute xml:lang"),
        ]
    )
    func otherTemplatesAreRefused(root: Node, line: Int, words: String) {
        #expect(throws: AlerterTemplateError.self) { try AlerterTemplate.check(root) }
        do {
            _ = try AlerterTemplate.check(root)
        } catch {
            #expect(error.line == line && error.message.contains(words), "\(error)")
        }
    }

    @Test("At most 200 elements")
    func elementCountIsBounded() {
        let children = (1...201).map { Node(name: "text", line: $0 + 1, text: "a") }
        #expect(throws: AlerterTemplateError(line: 202, "a template has at most 200 elements")) {
            try AlerterTemplate.check(Node(name: "alerter", line: 1, children: children))
        }
    }

    @Test("Values go into addresses percent-encoded, into command lines as one quoted argument, into text as they are")
    func valuesKeepTheirPlace() {
        #expect(AlerterSubstitution.percentEncoded("a b&c=d#e/f?g%h~i.j-k_l") == "a%20b%26c%3Dd%23e%2Ff%3Fg%25h~i.j-k_l")
        #expect(AlerterSubstitution.percentEncoded("é王") == "%C3%A9%E7%8E%8B")
        #expect(AlerterSubstitution.quotedArgument(#"say "hi""#) == #""say \"hi\"""#)
        // CommandLineToArgvW: backslashes double only before a quote (or the closing one).
        #expect(AlerterSubstitution.quotedArgument(#"C:\dir\"#) == #""C:\dir\\""#)
        #expect(AlerterSubstitution.quotedArgument("a\\\"b") == #""a\\\"b""#)
        #expect(AlerterSubstitution.quotedArgument("line\nbreak\u{7F}") == #""linebreak""#)
        #expect(AlerterSubstitution.quotedArgument("") == #""""#)
        #expect(AlerterSubstitution.isWebAddress("https://a.example/x") && !AlerterSubstitution.isWebAddress("javascript:alert(1)"))
        #expect(!AlerterSubstitution.isWebAddress("https://a.example/\"onmouseover"))
        #expect(AlerterSubstitution.soleField(" [-Url-] ") == "Url" && AlerterSubstitution.soleField("x[-Url-]") == nil)
    }

    @Test("Unterminated or overlong placeholders stay as written; names match ignoring case")
    func placeholdersAreFoundCarefully() throws {
        let user = User(companyId: 1, domainId: 1, username: "ann", firstName: "Ann", lastName: "Lee", email: "", mobile: "", enabled: true, culture: "en")
        let fields = AlerterFields(
            caller: ScreenPopCaller(number: "0612"),
            card: nil,
            redirection: nil,
            callee: user,
            calleeCompany: "Acme",
            device: "1001",
            serverName: "tws"
        )
        #expect(AlerterSubstitution.substitute("[-phonenumber-] [-PHONENUMBER-] [-Nope-]", fields, in: .text) == "0612 0612 ")
        #expect(AlerterSubstitution.substitute("[-PhoneNumber", fields, in: .text) == "[-PhoneNumber")
        let long = "[-" + String(repeating: "x", count: 65) + "-]"
        #expect(AlerterSubstitution.substitute(long, fields, in: .text) == long)
        #expect(AlerterSubstitution.substitute("[-[-MyUsername-]", fields, in: .text) == "[-ann")
    }
}

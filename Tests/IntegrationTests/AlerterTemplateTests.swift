import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Alerter card templates over REST (admin guide 9.2.1): stored per domain by name, checked by the hardened XML reader
/// before anything is stored, with the line at fault named; invisible to other companies' administrators.
@Suite struct AlerterTemplateTests {
    static let good = """
        <alerter vip="false">
          <text x="10" y="10">[-DisplayName-]</text>
          <image x="300" y="10" directory="CRM, LDAP">[-Picture-]</image>
          <button x="10" y="150" url="https://crm.example/?q=[-PhoneNumber-]">Open</button>
        </alerter>
        """

    /// Templates that must be refused: (what, text, line named, words of the answer).
    static let refused: [(String, String, Int?, String)] = [
        ("unknown element", "<alerter>\n  <text>a</text>\n  <script>alert(1)</script>\n</alerter>", 3, "unknown element <script>"),
        ("unknown attribute", "<alerter>\n<text onclick=\"x\">a</text>\n</alerter>", 2, "unknown attribute onclick"),
        ("url on a text", "<alerter><text url=\"https://a\">a</text></alerter>", 1, "only allowed on <button>"),
        ("exe and url", "<alerter><button exe=\"a\" url=\"https://a\">a</button></alerter>", 1, "either exe or url"),
        ("non-numeric x", "<alerter>\n\n<text x=\"10px\">a</text></alerter>", 3, "x must be a whole number"),
        ("negative y", "<alerter><text y=\"-5\">a</text></alerter>", 1, "y must be a whole number"),
        ("vip not a boolean", "<alerter vip=\"maybe\"/>", 1, "vip takes true or false"),
        ("another root", "<card><text>a</text></card>", 1, "root element must be <alerter>"),
        ("nested elements", "<alerter><text>a <b>bold</b></text></alerter>", 1, "may not contain elements"),
        ("text outside elements", "<alerter>hello<text>a</text></alerter>", 1, "text directly inside <alerter>"),
        ("a namespace", "<alerter xmlns=\"urn:x\"><text>a</text></alerter>", 1, "root element must be <alerter>"),
        ("an empty button", "<alerter><button url=\"https://a\"> </button></alerter>", 1, "needs a label"),
        ("a DTD", "<?xml version=\"1.0\"?>\n<!DOCTYPE alerter [<!ENTITY x \"boom\">]>\n<alerter><text>&x;</text></alerter>", nil, "DOCTYPE"),
        ("an undeclared entity", "<alerter>\n<text>&boom;</text></alerter>", 2, "not well-formed"),
        ("a processing instruction", "<alerter>\n<?php echo 1; ?>\n<text>a</text></alerter>", 2, "processing instructions"),
        ("malformed XML", "<alerter>\n<text>a</alerter>", 2, "not well-formed"),
        ("over 64 KB", "<alerter><text>" + String(repeating: "a", count: 65_536) + "</text></alerter>", nil, "65536"),
    ]

    @Test("A template is stored per domain, read back as uploaded, listed, replaced and deleted; another company's administrator sees none of it")
    func templatesAreStoredPerDomainAndScopedToTheCompany() async throws {
        try await TWSTestApp.run { client in
            let world = try await IsolationWorld.make(client)
            let a = world.a.domainId
            let created = try await client.putTemplate(domainId: a, name: "default.xml", xml: Self.good, token: world.adminAToken, answer: .created).json()
            #expect(created.string("name") == "default.xml" && created.int("elements") == 3 && created.int("size") == Self.good.utf8.count)
            let read = try await client.execute(
                uri: "/api/v1/admin/domains/\(a)/alerter-templates/default.xml",
                method: .get,
                headers: [.authorization: "Bearer \(world.adminAToken)", .accept: "application/xml"]
            )
            #expect(read.status == .ok && read.text == Self.good && read.headers[.contentType]?.hasPrefix("application/xml") == true)
            // Names match ignoring case: this replaces the same template.
            let replaced = try await client.putTemplate(domainId: a, name: "Default.xml", xml: "<alerter/>", token: world.adminAToken, answer: .ok).json()
            #expect(replaced.int("elements") == 0)
            let list = try await client.must(.get, "/api/v1/admin/domains/\(a)/alerter-templates", token: world.adminAToken)
            let items = try #require(try JSONSerialization.jsonObject(with: Data(buffer: list.body)) as? [[String: Any]])
            #expect(items.map { $0["name"] as? String } == ["default.xml"])

            // Company B's administrator: 404 for everything in company A's domain, like a domain that does not exist.
            _ = try await client.create(
                "/api/v1/admin/admins",
                token: world.superToken,
                json: jsonObject(["username": "adminB", "password": "admin-b-password", "superUser": false, "companyIds": [world.b.companyId]])
            )
            let tokenB = try await client.adminLogin("adminB", "admin-b-password").token
            expectProblem(try await client.get("/api/v1/admin/domains/\(a)/alerter-templates", token: tokenB), .notFound, "not_found")
            expectProblem(try await client.get("/api/v1/admin/domains/\(a)/alerter-templates/default.xml", token: tokenB), .notFound, "not_found")
            expectProblem(try await client.putTemplate(domainId: a, name: "x.xml", xml: Self.good, token: tokenB), .notFound, "not_found")
            expectProblem(try await client.delete("/api/v1/admin/domains/\(a)/alerter-templates/default.xml", token: tokenB), .notFound, "not_found")
            // A user token is not an administrator's.
            expectProblem(try await client.get("/api/v1/admin/domains/\(a)/alerter-templates", token: world.userAToken), .unauthorized, "unauthenticated")

            try await client.must(.delete, "/api/v1/admin/domains/\(a)/alerter-templates/default.xml", token: world.adminAToken, answer: .noContent)
            expectProblem(try await client.get("/api/v1/admin/domains/\(a)/alerter-templates/default.xml", token: world.adminAToken), .notFound, "not_found")
            #expect(try await client.putTemplate(domainId: a, name: ".hidden", xml: Self.good, token: world.adminAToken).status == .badRequest)
        }
    }

    @Test("A template with anything but the documented elements and attributes is refused with the line at fault, and nothing is stored")
    func badTemplatesAreRefusedNamingTheLineAndStoreNothing() async throws {
        try await TWSTestApp.run { client in
            let world = try await IsolationWorld.make(client)
            let a = world.a.domainId
            try await client.putTemplate(domainId: a, name: "kept.xml", xml: Self.good, token: world.adminAToken, answer: .created)
            for (what, text, line, words) in Self.refused {
                for name in ["new.xml", "kept.xml"] {
                    let answer = try await client.putTemplate(domainId: a, name: name, xml: text, token: world.adminAToken)
                    expectProblem(answer, .badRequest, "invalid_alerter_template", what)
                    let problem = try? answer.json()
                    #expect(problem?.string("detail")?.contains(words) == true, "\(what): \(problem?.string("detail") ?? answer.text)")
                    #expect(problem?.int("line") == line, "\(what): line \(String(describing: problem?.int("line")))")
                    if let line { #expect(problem?.string("detail")?.hasPrefix("line \(line): ") == true, "\(what)") }
                }
            }
            // Nothing was stored: the new name does not exist, the kept one is unchanged.
            expectProblem(try await client.get("/api/v1/admin/domains/\(a)/alerter-templates/new.xml", token: world.adminAToken), .notFound, "not_found")
            let kept = try await client.execute(
                uri: "/api/v1/admin/domains/\(a)/alerter-templates/kept.xml",
                method: .get,
                headers: [.authorization: "Bearer \(world.adminAToken)", .accept: "application/xml"]
            )
            #expect(kept.text == Self.good)
        }
    }
}

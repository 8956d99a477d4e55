import Foundation
import HummingbirdTesting
import Testing

@testable import Server

/// Directories through the real application: CSV synchronisation with the real connector, search and reverse lookup
/// over REST and SOAP, sync failures that keep contacts, and company isolation of every user operation.
@Suite("Directories")
struct DirectoryAPITests {
    /// A Windows-1252 CSV as Excel writes it on a French Windows: `;`, CRLF, quoted newline, € and œ.
    static let csv: [UInt8] = {
        let text =
            "id;nom;prenom;societe;tel;gsm;liste_rouge;vip;adresse\r\n"
            + "1;Dupont;Jean;Cœur & Co;01 55 17 18 89;06 01 02 03 04;0;;\"12 rue de la Paix\nParis\"\r\n"
            + "2;Hollande;Noa;Direction;01 55 17 18 90;06 11 22 33 44;yes;;\r\n"
            + "3;Gérard;Zoé;Prix 10 €;+44 20 7946 0958;;;Client or;\r\n"
            + ";SansId;;;;;;;\r\n"
        return Array(text.data(using: .windowsCP1252)!)
    }()

    static let directoryJSON =
        #"{"name":"CRM export","source":"Csv","kind":"public","priority":30,"#
        + #""connection":{"csv":{"path":"crm/contacts.csv","headerRow":true,"delimiter":";","encoding":"Windows-1252"}},"#
        + #""fieldMap":{"fields":{"id":"id","lastName":"nom|u","firstName":"prenom","company":"societe","professionalPhone":"tel","#
        + #""professionalRedList":"liste_rouge","mobilePhone":"gsm","mobileRedList":"liste_rouge","private0":"vip","private1":"adresse|a"},"#
        + #""privateLabels":{"0":"[VIP]","1":"Adresse"}},"synchronization":{"mode":"every","minutes":60}}"#

    /// Company A's directory of `csv` (in the import folder as `crm/contacts.csv`), readable by A's staff, synchronised
    /// once: its id and the synchronisation's report.
    static func synchronisedDirectory(_ client: some TestClientProtocol, _ world: IsolationWorld) async throws -> (Int64, [String: Any]) {
        let directoryId = try await client.create(
            "/api/v1/admin/domains/\(world.a.domainId)/directories",
            token: world.adminAToken,
            json: directoryJSON
        )
        try await client.grant("directory", directoryId, to: "group", world.a.groupId, token: world.adminAToken)
        return (directoryId, try await client.must(.post, "/api/v1/admin/directories/\(directoryId)/sync?wait=true", token: world.adminAToken).json())
    }

    @Test
    func csvDirectorySynchronisesAndIsSearchedOverRESTAndSOAP() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tws-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("crm"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("crm/contacts.csv")
        try Data(Self.csv).write(to: file)
        try await TWSTestApp.run(configure: { $0.csvImportFolder = folder.path }) { client in
            let world = try await IsolationWorld.make(client)
            let (directoryId, report) = try await Self.synchronisedDirectory(client, world)
            #expect(report.string("state") == "succeeded", "\(report)")
            #expect(report.int("read") == 4 && report.int("created") == 3 && report.int("ignored") == 1)
            #expect(report.objects("ignoredSamples")?.first?.string("reason") == "no ID (id is empty)")

            let found = try await client.must(.get, "/api/v1/directory/search?q=dupont%20jean", token: world.userAToken).items()
            let dupont = try #require(found.first)
            #expect(dupont.string("lastName") == "DUPONT" && dupont.string("company") == "Cœur & Co")
            #expect(dupont.objects("phones")?.compactMap { $0.string("number") } == ["01 55 17 18 89", "06 01 02 03 04"])
            #expect(dupont.objects("mapLinks")?.first?.string("url")?.hasPrefix("https://www.openstreetmap.org/search?query=12%20rue") == true)
            #expect(try await client.must(.get, "/api/v1/directory/search?q=prix%20%E2%82%AC%20gerard", token: world.userAToken).items().count == 1)
            // Red list: Noa's numbers never reach the client, not even through search by number.
            let noa = try #require(try await client.must(.get, "/api/v1/directory/search?q=noa", token: world.userAToken).items().first)
            #expect(noa.objects("phones")?.isEmpty == true)
            #expect(try await client.must(.get, "/api/v1/directory/search?q=0611", token: world.userAToken).items().isEmpty)
            // Reverse lookup with the number written three ways.
            for number in ["%2B33%201%2055%2017%2018%2090", "0155171890", "0033155171890"] {
                let caller = try await client.must(.get, "/api/v1/directory/lookup?number=\(number)", token: world.userAToken).json()
                #expect(caller.string("name") == "Noa HOLLANDE", "\(number)")
            }
            let vip = try await client.must(.get, "/api/v1/directory/lookup?number=00442079460958", token: world.userAToken).json()
            #expect(vip.object("contact")?.bool("vip") == true && vip.object("contact")?.string("vipInfo") == "Client or")
            expectProblem(try await client.get("/api/v1/directory/lookup?number=0199999999", token: world.userAToken), .notFound, "no_contact")
            let blank = try await client.must(.get, "/api/v1/directory/search?q=%20", token: world.userAToken).json()
            #expect(blank.objects("items")?.isEmpty == true && blank.bool("hasMore") == false, "a blank search is an empty page")

            let soap = try await client.soap("<tws:SearchDirectory><tws:query>hollande</tws:query></tws:SearchDirectory>", token: world.userAToken)
            #expect(
                soap.status == .ok && soap.text.contains("<tws:lastName>HOLLANDE</tws:lastName>") && !soap.text.contains("0155171890"),
                "\(soap.text)"
            )
            let lookup = try await client.soap("<tws:LookupNumber><tws:number>+33155171889</tws:number></tws:LookupNumber>", token: world.userAToken)
            #expect(lookup.status == .ok && lookup.text.contains("<tws:name>Jean DUPONT</tws:name>"), "\(lookup.text)")

            // Search and lookup are answered by hand (DirectoryFastPath): the same status, type and bytes as the generated
            // handler, which an extra query name (left to it) reaches for the same request.
            for path in [
                "/api/v1/directory/search?q=dupont%20jean", "/api/v1/directory/search?q=g%C3%A9rard&limit=1&offset=0",
                "/api/v1/directory/search?name=hollande", "/api/v1/directory/lookup?number=00442079460958",
                "/api/v1/directory/lookup?number=0199999999", "/api/v1/directory/search?q=a&limit=101",
            ] {
                let fast = try await client.get(path, token: world.userAToken)
                let generated = try await client.get(path + "&generated=1", token: world.userAToken)
                #expect(fast.status == generated.status && fast.text == generated.text, "\(path): \(fast.text) / \(generated.text)")
                #expect(fast.headers[.contentType] == generated.headers[.contentType], "\(path)")
            }

            // The settings read back with the schedule; the file gone, a sync fails clearly and keeps every contact.
            let settings = try await client.must(.get, "/api/v1/admin/directories/\(directoryId)", token: world.adminAToken).json()
            #expect(settings.object("synchronization")?.int("minutes") == 60)
            try FileManager.default.removeItem(at: file)
            let failed = try await client.must(.post, "/api/v1/admin/directories/\(directoryId)/sync?wait=true", token: world.adminAToken).json()
            #expect(failed.string("state") == "failed")
            #expect(failed.string("error")?.contains("unreachable") == true, "\(failed)")
            #expect(try await client.must(.get, "/api/v1/directory/search?q=dupont", token: world.userAToken).items().count == 1)
            let last = try await client.must(.get, "/api/v1/admin/directories/\(directoryId)/sync", token: world.adminAToken).json()
            #expect(last.string("state") == "failed")

            // A path out of the import folder is refused by the connector, a bad field option by the API.
            try await client.must(
                .patch,
                "/api/v1/admin/directories/\(directoryId)",
                token: world.adminAToken,
                json: #"{"connection":{"csv":{"path":"../../etc/passwd","headerRow":true,"delimiter":";","encoding":"UTF-8"}}}"#
            )
            let escaped = try await client.must(.post, "/api/v1/admin/directories/\(directoryId)/sync?wait=true", token: world.adminAToken).json()
            #expect(escaped.string("error")?.contains("invalid_settings") == true, "\(escaped)")
            let badMap = try await client.patch(
                "/api/v1/admin/directories/\(directoryId)",
                token: world.adminAToken,
                json: #"{"fieldMap":{"fields":{"id":"id","lastName":"nom|q"}}}"#
            )
            expectProblem(badMap, .badRequest, "invalid_field", field: "fieldMap.lastName")
        }
    }

    /// Every user operation of the directory API, by company B's user on company A's contacts and lists.
    @Test
    func aUserNeverFindsAnotherCompanysContacts() async throws {
        try await TWSTestApp.run { client in
            let world = try await IsolationWorld.make(client)
            let (a, b) = (world.a, world.b)
            // A's reception is readable by A's staff, and A's user keeps a list naming it.
            try await client.grant("directory", a.publicDirectoryId, to: "group", a.groupId, token: world.superToken)
            #expect(try await client.must(.get, "/api/v1/directory/search?q=reception", token: world.userAToken).items().count == 1)
            let listId = try await client.create(
                "/api/v1/contact-lists",
                token: world.userAToken,
                json: #"{"name":"Front desk","contactIds":[\#(a.publicContactId)]}"#
            )
            let userBToken = try await client.userLogin(
                company: b.companyName,
                domain: b.domainName,
                username: b.username,
                password: Tenant.userPassword
            )
            try await client.grant("directory", b.publicDirectoryId, to: "group", b.groupId, token: world.superToken)
            #expect(try await client.must(.get, "/api/v1/directory/search?q=alpha", token: userBToken).items().isEmpty)
            #expect(
                try await client.must(.get, "/api/v1/directory/search?q=0155000000", token: userBToken).items().map { $0.string("lastName") } == [
                    "Bravo reception"
                ]
            )
            let lookup = try await client.must(.get, "/api/v1/directory/lookup?number=0155000000", token: userBToken).json()
            #expect(lookup.string("name") == "Bravo reception")
            expectProblem(try await client.get("/api/v1/directory/contacts/\(a.publicContactId)", token: userBToken), .notFound, "not_found")
            expectProblem(
                try await client.get("/api/v1/directory/search?q=x&directoryId=\(a.publicDirectoryId)", token: userBToken),
                .notFound,
                "not_found"
            )
            let update = try await client.put("/api/v1/contacts/private/\(a.publicContactId)", token: userBToken, json: #"{"lastName":"Hijacked"}"#)
            #expect(update.status == .forbidden || update.status == .notFound, "\(update.text)")
            #expect(try await client.delete("/api/v1/contacts/private/\(a.publicContactId)", token: userBToken).status != .noContent)
            #expect(try await client.must(.get, "/api/v1/contacts/private", token: userBToken).items().isEmpty)
            let list = try await client.post(
                "/api/v1/contact-lists",
                token: userBToken,
                json: #"{"name":"Stolen","contactIds":[\#(a.publicContactId)]}"#
            )
            // Another company's contact is missing, as its own address would answer.
            expectProblem(list, .notFound, "not_found", field: "contactIds")
            #expect(try await client.must(.get, "/api/v1/contact-lists", token: userBToken).items().isEmpty)
            expectProblem(
                try await client.patch("/api/v1/contact-lists/\(listId)", token: userBToken, json: #"{"name":"Mine"}"#),
                .notFound,
                "not_found"
            )
            expectProblem(try await client.delete("/api/v1/contact-lists/\(listId)", token: userBToken), .notFound, "not_found")
            // A's user still has the contact, the list and its name.
            let lists = try await client.must(.get, "/api/v1/contact-lists", token: world.userAToken).items()
            #expect(lists.first?.string("name") == "Front desk" && lists.first?.objects("contacts")?.count == 1)
            #expect(
                try await client.must(.get, "/api/v1/directory/contacts/\(a.publicContactId)", token: world.userAToken).json().string("lastName")
                    == "Alpha reception"
            )
        }
    }
}

import Domain
import Foundation
import HTTPTypes
import Synchronization
import Hummingbird
import HummingbirdTesting
import Telephony
import Testing
import XML

@testable import Server

/// The Alerter over real TCP (admin guide 9.2.1): screen-pop data in incoming-call events, card templates checked on
/// upload, cards rendered with every field for the called user, pushed and asked for, hostile contact data kept as data.
@Suite struct AlerterTests {
    // A contact whose every field tries to break out of where it is put.
    static let first = "Zoë 王; 100% #1"
    static let last = #"O'Brien & "Sons" <b>"#
    static let company = "R&D <script>alert(1)</script>"
    static let vip = "Gold <client>"
    static let file = #"D-7 "A&B""#
    static let photo = "https://img.example/zoe.png?x=1&y=2"
    static let caller = "0155171889"
    static let displayName = "\(first) \(last)"

    static func csvField(_ value: String) -> String { "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    static var csv: String {
        "id;nom;prenom;societe;tel;gsm;vip;dossier;photo;mail;site\n"
            + ["c-42", last, first, company, "+33 1 55 17 18 89", "06 01 02 03 04", vip, file, photo, "zoe@example.com", "javascript:alert(1)"]
            .map(csvField).joined(separator: ";") + "\n"
    }

    static let directoryJSON =
        #"{"name":"CRM export","source":"Csv","kind":"public","priority":30,"#
        + #""connection":{"csv":{"path":"crm.csv","headerRow":true,"delimiter":";","encoding":"UTF-8"}},"#
        + #""fieldMap":{"fields":{"id":"id","lastName":"nom","firstName":"prenom","company":"societe","professionalPhone":"tel","#
        + #""mobilePhone":"gsm","private0":"vip","private1":"dossier","picture":"photo","mail1":"mail","url":"site"},"#
        + #""privateLabels":{"0":"[VIP]","1":"Dossier"}},"synchronization":{"mode":"manual"}}"#

    /// Every field of 9.2.1, a directory filter of each kind, and buttons with a url and an exe.
    static let template = #"""
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- every field of the admin guide -->
        <alerter vip="true">
          <text x="1" y="2">[-Lastname-]</text>
          <text>[-Firstname-]</text>
          <text>[-DisplayName-]</text>
          <text>[-CompanyName-]</text>
          <image x="300" y="4">[-Picture-]</image>
          <text>[-AssistantPhone-]|[-StandardPhone-]|[-WorkPhone-]|[-MobilePhone-]|[-HomePhone-]</text>
          <text>[-Email1-]|[-Email2-]|[-Url-]</text>
          <text>[-PhoneNumber-]|[-ServerName-]|[-PersonGuid-]</text>
          <text>[-Contact2DisplayName-]|[-Contact2PhoneNumber-]</text>
          <text>[-Custom0-]|[-Custom1-]|[-dossier-]|[-NoSuchField-]</text>
          <text>[-MyFirstname-]|[-MyLastname-]|[-MyUsername-]|[-MyCompany-]|[-MyDevice-]|[-MyGsmPhone-]|[-MyEmail-]|[-MyExternalKey-]|[-MyCustom0-]|[-MyCustom1-]</text>
          <text directory="crm export">in the CRM</text>
          <text directory="Other, Elsewhere">elsewhere</text>
          <text directory="none">unknown caller</text>
          <button x="10" y="150" url="https://crm.example/find?name=[-DisplayName-]&amp;n=[-PhoneNumber-]">Open</button>
          <button exe="C:\crm\open.exe [-DisplayName-] --file [-Custom1-]">Launch</button>
          <button url="[-Url-]">Site</button>
        </alerter>
        """#

    /// Only unreserved characters stay (RFC 3986), as a value inside a query must be written.
    static func encoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"))!
    }

    /// A world whose CSV directory (read by everyone) holds the hostile contact, where alice holds TWS Alerter and the
    /// domain has the template above as `default.xml`.
    static func run(style: SimulatorStyle = .plain, _ test: @Sendable @escaping (TelephonyWorld, Int64) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tws-alerter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(csv.utf8).write(to: folder.appendingPathComponent("crm.csv"))
        let directory = Mutex<Int64>(0)
        try await TelephonyWorld.run(
            style: style,
            app: {
                $0.csvImportFolder = folder.path
                $0.serverName = "tws.test"
            },
            setUp: { client, admin, domainId, userIds in
                let directoryId = try await client.create("/api/v1/admin/domains/\(domainId)/directories", token: admin, json: directoryJSON)
                directory.withLock { $0 = directoryId }
                for name in ["alice", "bob"] {
                    try await client.grant("directory", directoryId, to: "user", userIds[name]!, token: admin)
                }
                let report = try await client.must(.post, "/api/v1/admin/directories/\(directoryId)/sync?wait=true", token: admin).json()
                try #require(report.string("state") == "succeeded" && report.int("created") == 1, "\(report)")
                try #require(try await client.grantApplication("Alerter", granteeType: "user", granteeId: userIds["alice"]!, token: admin).status == .created)
                try await client.putTemplate(domainId: domainId, name: "default.xml", xml: template, token: admin, answer: .created)
            }
        ) { world in
            try await test(world, directory.withLock { $0 })
        }
    }

    @Test("An incoming call's delivered event carries the caller's contact, and the alerter event right after it the card with every field substituted and no value escaping", arguments: SimulatorStyle.allCases)
    func everyFieldOfTheCardIsFilledFromTheCallerAndTheCallee(style: SimulatorStyle) async throws {
        try await Self.run(style: style) { w, directoryId in
            let events = try await w.subscribe("alice")
            _ = try await w.simulator.placeCall(from: Self.caller, to: "1001")
            let seen = try await collect(events) { $0.contains { $0.type == .alerter } }
            let delivered = try #require(seen.compactMap(\.call).first { $0.event == "delivered" && $0.device == "1001" })
            let pop = try #require(delivered.caller)
            #expect(pop.number == Self.caller && pop.identified && pop.directoryId == directoryId && pop.directoryName == "CRM export")
            #expect(pop.displayName == Self.displayName && pop.firstName == Self.first && pop.lastName == Self.last && pop.company == Self.company)
            #expect(pop.vip && pop.vipText == Self.vip && pop.externalId == "c-42" && pop.contactId != nil)
            // The card follows its call's delivered event, for alice alone.
            let deliveredIndex = try #require(seen.firstIndex { $0.call?.event == "delivered" && $0.call?.device == "1001" })
            let cardIndex = try #require(seen.firstIndex { $0.type == .alerter })
            #expect(cardIndex > deliveredIndex)
            let card = try #require(seen[cardIndex].alerter)
            #expect(card.callId == delivered.callId && card.mode == .xml && card.template == "default.xml" && card.vip)
            #expect(card.width == 400 && card.height == 200)

            let me = try await w.client.must(.get, "/api/v1/admin/users/\(w.userId("alice"))", token: w.adminToken).json()
            let texts = card.elements.filter { $0.kind == .text }.map(\.text)
            #expect(
                texts == [
                    Self.last, Self.first, Self.displayName, Self.company, "||+33 1 55 17 18 89|06 01 02 03 04|", "zoe@example.com||javascript:alert(1)",
                    "\(Self.caller)|tws.test|\(pop.contactId!)", "|", "|\(Self.file)|\(Self.file)|",
                    "\(me.string("firstName")!)|\(me.string("lastName")!)|alice|Telco|1001|\(me.string("mobile") ?? "")|\(me.string("email") ?? "")|\(w.userId("alice"))||",
                    "in the CRM",
                ],
                "\(texts)"
            )
            let image = try #require(card.elements.first { $0.kind == .image })
            #expect(image.text == Self.photo && image.x == 300 && image.y == 4)
            let buttons = card.elements.filter { $0.kind == .button }
            #expect(buttons.map(\.text) == ["Open", "Launch", "Site"])
            #expect(buttons[0].url == "https://crm.example/find?name=\(Self.encoded(Self.displayName))&n=\(Self.caller)")
            #expect(buttons[1].exe == #"C:\crm\open.exe "Zoë 王; 100% #1 O'Brien & \"Sons\" <b>" --file "D-7 \"A&B\"""#, "\(buttons[1].exe ?? "-")")
            // A whole-field url keeps only a web address: the contact's javascript: site is dropped.
            #expect(buttons[2].url == "")

            // The file form: well-formed, the same texts, nothing of the values became markup.
            let document = try XElement(xml: Array(try #require(card.xml).utf8))
            #expect(document.name == "alerter" && document.attributes["vip"] == "true")
            #expect(document.children.map(\.name) == card.elements.map(\.kind.rawValue))
            #expect(document.children.map(\.text) == card.elements.map(\.text))
            #expect(document.children.first { $0.attributes["exe"] != nil }?.attributes["exe"] == buttons[1].exe)

            // The same card on request, and over SOAP.
            let asked = try await w.client.must(.get, "/api/v1/calls/\(delivered.callId)/alerter-card", token: w.token("alice")).json()
            #expect(asked.string("xml") == card.xml && asked.objects("elements")?.count == card.elements.count)
            #expect(asked.object("caller")?.string("externalId") == "c-42")
            let soap = try await w.client.soap("<tws:GetAlerterCard><tws:callId>\(delivered.callId)</tws:callId></tws:GetAlerterCard>", token: w.token("alice"))
            #expect(soap.status == .ok && soap.text.contains("<tws:mode>XML</tws:mode>") && soap.text.contains("&lt;script&gt;"), "\(soap.text)")
            try await w.simulator.hangUp(device: Self.caller)
        }
    }

    @Test("An unknown caller gets the elements for no directory, and a user without a template of the AlerterXml name the built-in card")
    func unknownCallerShowsTheNoneElementsAndAMissingTemplateTheBuiltInCard() async throws {
        try await Self.run { w, _ in
            let events = try await w.subscribe("alice")
            _ = try await w.simulator.placeCall(from: "0299887766", to: "1001")
            let card = try #require(try await collect(events) { $0.contains { $0.type == .alerter } }.compactMap(\.alerter).first)
            #expect(!card.caller.identified && card.caller.number == "0299887766" && !card.vip)
            #expect(card.elements.filter { $0.kind == .text }.suffix(1).map(\.text) == ["unknown caller"])
            #expect(card.elements.contains { $0.kind == .image } == false, "no picture, no image")
            try await w.simulator.hangUp(device: "0299887766")
            try await w.waitPresence("alice", "idle")

            try await w.client.must(
                .put,
                "/api/v1/admin/parameter-values/user/\(w.userId("alice"))/Alerter/AlerterXml",
                token: w.adminToken,
                json: #"{"value":"missing.xml"}"#
            )
            let again = try await w.subscribe("alice")
            _ = try await w.simulator.placeCall(from: Self.caller, to: "1001")
            let builtin = try #require(try await collect(again) { $0.contains { $0.type == .alerter } }.compactMap(\.alerter).first)
            #expect(builtin.template == "builtin" && builtin.vip)
            #expect(builtin.elements.map(\.text) == [Self.displayName, Self.company, Self.caller])
            try await w.simulator.hangUp(device: Self.caller)
        }
    }

    @Test("URL mode substitutes AlerterUrl percent-encoded, with the window size resolved user over domain over default")
    func urlModeCardsCarryTheSubstitutedAddress() async throws {
        try await Self.run { w, _ in
            func set(_ scope: String, _ id: Int64, _ name: String, _ value: String) async throws {
                try await w.client.must(
                    .put,
                    "/api/v1/admin/parameter-values/\(scope)/\(id)/Alerter/\(name)",
                    token: w.adminToken,
                    json: #"{"value":\#(String(decoding: try JSONEncoder().encode(value), as: UTF8.self))}"#
                )
            }
            try await set("domain", w.domainId, "AlerterMode", "url")
            try await set("domain", w.domainId, "AlerterUrl", "https://crm.example/pop?who=[-DisplayName-]&file=[-Dossier-]&me=[-MyUsername-]")
            try await set("domain", w.domainId, "AlerterWidth", "640")
            try await set("user", w.userId("alice"), "AlerterHeight", "480")
            expectProblem(
                try await w.client.put(
                    "/api/v1/admin/parameter-values/domain/\(w.domainId)/Alerter/AlerterMode",
                    token: w.adminToken,
                    json: #"{"value":"HTML"}"#
                ),
                .unprocessableContent,
                "invalid_parameter_value"
            )
            let events = try await w.subscribe("alice")
            _ = try await w.simulator.placeCall(from: Self.caller, to: "1001")
            let card = try #require(try await collect(events) { $0.contains { $0.type == .alerter } }.compactMap(\.alerter).first)
            #expect(card.mode == .url && card.width == 640 && card.height == 480 && card.elements.isEmpty && card.xml == nil)
            #expect(card.url == "https://crm.example/pop?who=\(Self.encoded(Self.displayName))&file=\(Self.encoded(Self.file))&me=alice")
            try await w.simulator.hangUp(device: Self.caller)
        }
    }

    @Test("A call forwarded to alice names who diverted it, in the event and on the card", arguments: SimulatorStyle.allCases)
    func divertingPartyIsNamedOnTheCard(style: SimulatorStyle) async throws {
        try await Self.run(style: style) { w, _ in
            try await w.client.must(
                .put,
                "/api/v1/telephony/devices/1002/forwarding",
                token: w.token("bob"),
                json: #"{"kind":"immediate","enabled":true,"destination":"1001"}"#
            )
            try await w.waitPresence("bob", "forwarded")
            let events = try await w.subscribe("alice")
            _ = try await w.simulator.placeCall(from: Self.caller, to: "1002")
            let seen = try await collect(events) { $0.contains { $0.type == .alerter } }
            let delivered = try #require(seen.compactMap(\.call).first { $0.event == "delivered" && $0.device == "1001" })
            #expect(delivered.lastRedirection == ScreenPopParty(number: "1002", name: "First bob Last"), "\(String(describing: delivered.lastRedirection))")
            let card = try #require(seen.compactMap(\.alerter).first)
            #expect(card.redirection?.number == "1002")
            #expect(card.elements.filter { $0.kind == .text }.map(\.text).contains("First bob Last|1002"))
            try await w.simulator.hangUp(device: Self.caller)
        }
    }

    @Test("A call waiting in a phone queue carries its caller in the queued event, found in the directories authorised to the queue", arguments: SimulatorStyle.allCases)
    func queuedEventCarriesTheScreenPop(style: SimulatorStyle) async throws {
        try await Self.run(style: style) { w, directoryId in
            let queueId = try await w.client.create(
                "/api/v1/admin/domains/\(w.domainId)/phone-queues",
                token: w.adminToken,
                json: #"{"name":"Standard","device":{"number":"7777"}}"#
            )
            try await w.client.grant("phoneQueue", queueId, to: "user", w.userId("carol"), token: w.adminToken)
            try await w.client.grant("directory", directoryId, to: "phoneQueue", queueId, token: w.adminToken)
            try await eventually("the queue monitored") { await w.simulator.monitoredDevices().contains("7777") }
            // Both agents busy: the call waits in the queue.
            await w.simulator.setBusy("1002", true)
            await w.simulator.setBusy("1003", true)
            let events = try await w.subscribe("carol")
            _ = try await w.simulator.placeCall(from: Self.caller, to: "7777")
            let seen = try await collect(events) { $0.contains { $0.call?.event == "queued" && $0.call?.device == "7777" } }
            let queued = try #require(seen.compactMap(\.call).first { $0.event == "queued" && $0.device == "7777" })
            #expect(queued.caller?.identified == true && queued.caller?.displayName == Self.displayName && queued.caller?.externalId == "c-42")
            #expect(queued.peerName == Self.displayName)
            try await w.simulator.hangUp(device: Self.caller)
        }
    }

    @Test("Cards are for users holding TWS Alerter and for their own calls")
    func cardsNeedTheAlerterApplicationAndTheUsersOwnCall() async throws {
        try await Self.run { w, _ in
            let bobEvents = try await w.subscribe("bob")
            _ = try await w.simulator.placeCall(from: Self.caller, to: "1002")
            let callId = try await w.waitCall("bob", state: "alerting")
            // Bob has no Alerter: no card is pushed to him, and asking for one is refused.
            let seen = try await collect(bobEvents) { $0.contains { $0.call?.event == "delivered" } }
            #expect(!seen.contains { $0.type == .alerter })
            expectProblem(try await w.client.get("/api/v1/calls/\(callId)/alerter-card", token: w.token("bob")), .forbidden, "application_not_authorized")
            // Alice has Alerter, but the call is not at her device.
            expectProblem(try await w.client.get("/api/v1/calls/\(callId)/alerter-card", token: w.token("alice")), .notFound, "not_found")
            expectProblem(
                try await w.client.get("/api/v1/calls/\(callId)/alerter-card?device=1002", token: w.token("alice")),
                .notFound,
                "not_found"
            )
            try await w.simulator.hangUp(device: Self.caller)
        }
    }
}

extension TestClientProtocol {
    /// PUT an Alerter template as XML text.
    @discardableResult
    func putTemplate(
        domainId: Int64,
        name: String,
        xml: String,
        token: String,
        answer status: HTTPResponse.Status? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> TestResponse {
        let response = try await execute(
            uri: "/api/v1/admin/domains/\(domainId)/alerter-templates/\(name)",
            method: .put,
            headers: [.authorization: "Bearer \(token)", .contentType: "application/xml"],
            body: ByteBuffer(string: xml)
        )
        if let status { try #require(response.status == status, "PUT template \(name): \(response.status.code) \(response.text)", sourceLocation: sourceLocation) }
        return response
    }
}

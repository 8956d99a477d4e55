import API
@testable import Domain
import Foundation
import Testing

@testable import Endpoints

/// The hand-written answers of directory search and reverse lookup (`DirectoryFastPath`) must be the very bytes the
/// generated handler's `JSONEncoder` writes for the contract's types, and its query reading must leave every case it
/// does not take to the generated decoder.
@Suite("Directory fast path")
struct DirectoryFastPathTests {
    /// Every control character, quotes, backslashes, slashes, non-ASCII and a line separator.
    static let awkward = String((0..<0x20).map { Character(UnicodeScalar(UInt8($0))) }) + #"a"b\c/d é 中 👍 \#u{2028} \#u{7F}"#

    static func card(_ id: Int64, full: Bool) -> ContactCard {
        var card = ContactCard(
            id: id, directoryId: 7, directoryName: full ? "CRM / \(awkward)" : "Annuaire", isPrivate: !full, externalId: "x",
            phones: [], privateFields: [], mapLinks: [], vip: full, contactIds: [id]
        )
        guard full else { return card }
        card.lastName = "O'Brien \"Le Gall\""
        card.firstName = awkward
        card.company = "Cœur & Co"
        card.picture = "https://example.org/p/1.png"
        card.phones = [.init(kind: .professional, number: "+33 1 55 17 18 89"), .init(kind: .mobile, number: "06 01")]
        card.mail1 = "a@b.fr"
        card.mail2 = ""
        card.url = "http://x/y?z=1&w=2"
        card.privateFields = [.init(index: 0, label: "[VIP]", value: "gold"), .init(index: 3, label: "Adresse", value: "12 rue\nParis")]
        card.mapLinks = [.init(field: .private3, url: "https://www.openstreetmap.org/search?query=12%20rue")]
        card.vipInfo = "gold"
        card.contactIds = [id, id + 100, Int64.max]
        return card
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    @Test
    func searchPagesAreJSONEncodersBytes() throws {
        for cards in [[], [Self.card(1, full: false)], [Self.card(2, full: true), Self.card(3, full: false), Self.card(4, full: true)]] {
            for (offset, limit, hasMore) in [(0, 20, false), (40, 100, true)] {
                let page = Components.Schemas.ContactSearchPage(
                    items: cards.map(Components.Schemas.ContactCard.init),
                    offset: Int32(offset),
                    limit: Int32(limit),
                    hasMore: hasMore
                )
                let expected = try Self.encoder().encode(page)
                var json = JSONBytes()
                json.beginObject()
                json.key("hasMore")
                json.value(hasMore)
                json.key("items")
                json.beginArray()
                for card in cards { DirectoryFastPath.write(card, to: &json) }
                json.endArray()
                json.key("limit")
                json.value(Int64(limit))
                json.key("offset")
                json.value(Int64(offset))
                json.endObject()
                #expect(json.bytes == Array(expected), "\(String(decoding: json.bytes, as: UTF8.self))\n\(String(decoding: expected, as: UTF8.self))")
            }
        }
    }

    @Test
    func callerIdentitiesAreJSONEncodersBytes() throws {
        for (company, full) in [(nil, false), ("Cœur & Co \(Self.awkward)", true)] as [(String?, Bool)] {
            let caller = CallerIdentity(number: "+33155171889", name: "Jean \"J\" DUPONT", company: company, card: Self.card(9, full: full))
            let expected = try Self.encoder().encode(Components.Schemas.CallerIdentity(caller))
            var json = JSONBytes()
            DirectoryFastPath.write(caller, to: &json)
            #expect(json.bytes == Array(expected), "\(String(decoding: json.bytes, as: UTF8.self))\n\(String(decoding: expected, as: UTF8.self))")
        }
    }

    @Test
    func healthIsJSONEncodersBytes() throws {
        #expect(HealthAnswer.body == Array(try Self.encoder().encode(Components.Schemas.Health(status: "ok"))))
    }

    @Test
    func onlyPlainQueriesAreReadByHand() {
        let names = DirectoryFastPath.searchNames
        #expect(DirectoryFastPath.query("/api/v1/directory/search", names: names) == [:])
        #expect(
            DirectoryFastPath.query("/api/v1/directory/search?q=G%C3%A9rard%20zo%C3%A9&limit=16&offset=0", names: names)
                == ["q": "Gérard zoé", "limit": "16", "offset": "0"]
        )
        #expect(DirectoryFastPath.query("/x?q=%2B33%201%2055", names: names) == ["q": "+33 1 55"])
        // Left to the generated decoder: `+`, unknown or repeated names, broken escapes, bytes that are not UTF-8,
        // empty values, and names of another operation.
        for path in [
            "/x?q=jean+dupont", "/x?q=a&q=b", "/x?q=a&onBehalfOf=bob", "/x?q=%2", "/x?q=%zz", "/x?q=%C3", "/x?q=", "/x?q",
            "/x?q=a&", "/x?Q=a",
        ] {
            #expect(DirectoryFastPath.query(path, names: names) == nil, "\(path)")
        }
        #expect(DirectoryFastPath.query("/x?number=0155&q=a", names: DirectoryFastPath.lookupNames) == nil)
        #expect(DirectoryFastPath.integer("16") == 16 && DirectoryFastPath.integer("000000009") == 9)
        for text in ["-1", "1.0", "1e3", "1234567890", "", " 1", "٣"] { #expect(DirectoryFastPath.integer(text) == nil, "\(text)") }
    }
}

/// `GET /api/v1/me` answered from kept bytes (`ProfileAnswers`): the generated handler's bytes, and a change to the
/// profile shows on the very next request.
@Suite("Profile answers")
struct ProfileAnswersTests {
    @Test
    func keptProfilesAreTheGeneratedBytesAndChangesShowAtOnce() async throws {
        try await TWSTestApp.run { client in
            let world = try await IsolationWorld.make(client)
            for _ in 0..<2 {
                let kept = try await client.get("/api/v1/me", token: world.userAToken)
                let generated = try await client.get("/api/v1/me?generated=1", token: world.userAToken)
                #expect(kept.status == .ok && kept.text == generated.text, "\(kept.text)\n\(generated.text)")
                #expect(kept.headers[.contentType] == generated.headers[.contentType])
            }
            try await client.must(.patch, "/api/v1/admin/users/\(world.a.userId)", token: world.adminAToken, json: #"{"firstName":"Renamed"}"#)
            let renamed = try await client.must(.get, "/api/v1/me", token: world.userAToken).json()
            #expect(renamed.object("user")?.string("firstName") == "Renamed", "\(renamed)")
            // Another user of another company gets their own profile, never the kept one.
            let other = try await client.userLogin(
                company: world.b.companyName, domain: world.b.domainName, username: world.b.username, password: Tenant.userPassword
            )
            let theirs = try await client.must(.get, "/api/v1/me", token: other).json()
            #expect(theirs.object("user")?.int64("id") == world.b.userId && theirs.object("company")?.string("name") == world.b.companyName)
            // A signed-out token is refused, not answered from the kept bytes.
            try await client.must(.post, "/api/v1/auth/logout", token: world.userAToken, answer: .noContent)
            expectProblem(try await client.get("/api/v1/me", token: world.userAToken), .unauthorized, "unauthenticated")
        }
    }
}

import Domain
import Testing

/// Merged cards across directories (admin guide 8.2.2) and what they hide: red-listed numbers, invisible fields and
/// the contacts of directories the reader may not read.
@Suite struct DirectoryMergeTests {
    static let map = DirectorySyncTests.map

    @Test func aNumberRedListedInTheBestDirectoryIsHiddenFromTheMergedCardNotReplacedAndStillNamesTheCaller() async throws {
        let w = try await DirectoryWorld()
        let crm = try await w.directory("CRM", priority: 10, map: Self.map, merge: true)
        let ldap = try await w.directory("LDAP", priority: 20, map: Self.map, merge: true)
        _ = try await w.sync(
            crm,
            [row(["id": "c1", "sn": "Dupont", "givenname": "Jean", "mail": "jean.dupont@acme.example", "tel": "01 55 17 18 89", "secret": "yes"])]
        )
        _ = try await w.sync(
            ldap,
            [row(["id": "l1", "sn": "Dupont", "mail": "JEAN.DUPONT@acme.example", "tel": "01 55 17 00 00", "gsm": "06 11 22 33 44"])]
        )
        let cards = try await w.search("dupont")
        let card = try #require(cards.first)
        #expect(cards.count == 1 && card.contactIds.count == 2 && card.directoryName == "CRM")
        // CRM, the better directory, red-lists its professional number: the card has none, not LDAP's instead.
        #expect(card.phones.map(\.kind) == [.mobile] && card.phones.map(\.number) == ["06 11 22 33 44"])
        #expect(try await w.search("0155171889").isEmpty)
        // The red-listed number still names the caller, with the same card.
        let caller = try #require(try await w.service.lookup(w.principal, number: "+33 1 55 17 18 89"))
        #expect(caller.name == "Jean Dupont" && caller.card.contactIds == card.contactIds)
        #expect(caller.card.phones.map(\.kind) == [.mobile])
    }

    @Test func aMergedCardGathersOnlyTheDirectoriesTheReaderMayRead() async throws {
        let w = try await DirectoryWorld()
        let crm = try await w.directory("CRM", priority: 10, map: Self.map, merge: true)
        let hr = try await w.directory("HR", priority: 20, map: Self.map, merge: true, grant: false)
        _ = try await w.sync(crm, [row(["id": "c1", "sn": "Dupont", "mail": "j.dupont@acme.example"])])
        _ = try await w.sync(hr, [row(["id": "h1", "sn": "Dupont", "givenname": "Jeanne", "mail": "j.dupont@acme.example", "gsm": "0611223344"])])
        // Nothing of HR's contact reaches the reader: not its fields on the CRM card, not a search, not a lookup.
        let alone = try #require(try await w.search("dupont").first)
        #expect(alone.contactIds.count == 1 && alone.firstName == nil && alone.phones.isEmpty)
        #expect(try await w.search("jeanne").isEmpty)
        #expect(try await w.service.lookup(w.principal, number: "0611223344") == nil)
        // Once the reader may read HR too, the same search shows one card merging both, CRM first.
        try await w.grant(hr.id!, to: w.user)
        let merged = try await w.search("dupont")
        #expect(merged.count == 1)
        #expect(merged.first?.contactIds.count == 2 && merged.first?.directoryName == "CRM")
        #expect(merged.first?.firstName == "Jeanne" && merged.first?.phones.map(\.number) == ["0611223344"])
        #expect(try await w.service.lookup(w.principal, number: "+33611223344")?.name == "Jeanne Dupont")
    }

    @Test func anInvisibleFieldOfTheBestDirectoryGivesWayInSearchResultsButTheIncomingCallCardShowsIt() async throws {
        let w = try await DirectoryWorld()
        var crmMap = Self.map
        crmMap[.mobilePhone] = "gsm|i"
        crmMap[.company] = "o|i"
        let crm = try await w.directory("CRM", priority: 10, map: crmMap, merge: true)
        let ldap = try await w.directory("LDAP", priority: 20, map: Self.map, merge: true)
        _ = try await w.sync(
            crm,
            [row(["id": "c1", "sn": "Dupont", "o": "Secret Project", "mail": "j.dupont@acme.example", "tel": "0155171889", "gsm": "0611111111"])]
        )
        _ = try await w.sync(ldap, [row(["id": "l1", "sn": "Dupont", "mail": "j.dupont@acme.example", "gsm": "0622222222"])])
        let card = try #require(try await w.search("dupont").first)
        // In search results CRM's invisible mobile and company are left out; LDAP's mobile is the next one.
        #expect(card.company == nil)
        #expect(card.phones.map(\.number) == ["0155171889", "0622222222"])
        // The Alerter's card for an incoming call shows them, CRM's first.
        let caller = try #require(try await w.service.lookup(w.principal, number: "0155171889"))
        #expect(caller.card.company == "Secret Project" && caller.company == "Secret Project")
        #expect(caller.card.phones.map(\.number) == ["0155171889", "0611111111"])
        // A contact's own card leaves them out, as search results do.
        #expect(try await w.service.contact(w.principal, id: card.id).company == nil)
    }
}

import Domain
import Foundation
import Testing

@testable import Domain

/// A directory source serving rows from memory, optionally failing after some rows: the Domain side of
/// synchronisation is tested without sockets (the connectors have their own tests against real servers).
struct RowSource: DirectoryConnector {
    let rows: [SourceRow]
    var failAfter: Int?

    func open(_ connection: DirectoryConnection, attributes: [String]) async throws(DirectorySourceError) -> any DirectoryReader {
        RowReader(rows: rows, failAfter: failAfter)
    }

    final class RowReader: DirectoryReader, @unchecked Sendable {
        // Safe: readers are driven by one task at a time (DirectoryReader's contract).
        var rows: ArraySlice<SourceRow>
        var served = 0
        let failAfter: Int?
        init(rows: [SourceRow], failAfter: Int?) {
            self.rows = rows[...]
            self.failAfter = failAfter
        }
        func next(limit: Int) async throws(DirectorySourceError) -> [SourceRow]? {
            if let failAfter, served >= failAfter { throw DirectorySourceError(.readFailed, "connection reset by peer") }
            guard !rows.isEmpty else { return nil }
            let count = min(limit, failAfter.map { $0 - served } ?? limit)
            let batch = Array(rows.prefix(count))
            rows = rows.dropFirst(count)
            served += batch.count
            return batch
        }
        func close() async {}
    }
}

func row(_ values: [String: String]) -> SourceRow { SourceRow(values.mapValues { [$0] }) }

@Suite struct FieldOptionTests {
    @Test func everyOptionOfTheGuide() throws {
        #expect(try FieldMapping("sn|u").transform("dupont") == "DUPONT")
        #expect(try FieldMapping("sn|l").transform("DuPont") == "dupont")
        #expect(try FieldMapping("sn|m").transform("dUPONT") == "Dupont")
        #expect(try FieldMapping("sn|h").transform("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try FieldMapping("street|a").isAddress)
        #expect(try FieldMapping("street|a").transform("1 rue de la Paix") == "1 rue de la Paix")
        #expect(try FieldMapping("note|i").isInvisible)
        // The guide's example: 9 added in front of a 4-digit number, other values untouched.
        let prefix = try FieldMapping("PhoneNumber|p : 9{0} : ^[0-9]{4}$")
        #expect(prefix.source == "phonenumber")
        #expect(prefix.transform("1234") == "91234")
        #expect(prefix.transform("0155171889") == "0155171889")
        #expect(try FieldMapping("ext|p : +33 1 55 {0}").transform("1234") == "+33 1 55 1234")
        // Several options, applied in order: hash, upper case, then decorate (a hash is never 4 digits).
        let combined = try FieldMapping("Surname|h,u,p : 9{0} : ^[0-9]{4}$")
        #expect(combined.options.count == 3)
        #expect(combined.transform("abc") == "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")
        #expect(try FieldMapping("code|u,p : X-{0}-Y : ^[A-Z,]+$").transform("ab,c") == "X-AB,C-Y")
    }

    @Test func badOptionsAreRefusedNamingTheField() throws {
        for text in ["sn|z", "sn|p", "sn|p : 9 : ^1$", "sn|p : 9{0} : [unclosed", "|u", "sn|uu", "s\tn", "sn|u\u{0}"] {
            #expect(throws: DomainError.self, "\(text)") { try FieldMap([.lastName: text]) }
        }
        // A regular expression that does not compile has the contract's shape: 422, not 400.
        do {
            _ = try FieldMap([.lastName: "sn|p : 9{0} : [unclosed"])
        } catch {
            #expect(error.kind == .unprocessable && error.code == "unusable_field_map" && error.field == "fieldMap.lastName")
        }
        // A source name is any text without control characters (a CSV or SQL column may hold ";" or accents); a mark
        // after ":" or "," does not hide it, as the contract's pattern reads code points too.
        #expect(try FieldMap([.lastName: "Nom;Société|u"]).mappings[.lastName]?.source == "nom;société")
        #expect(try FieldMapping("ext|p :\u{1F3FB} {0}").options.count == 1)
        do {
            _ = try FieldMap([.lastName: "sn|q"])
        } catch {
            #expect(error.field == "fieldMap.lastName")
        }
    }

    @Test func phoneKeysMakeEveryWrittenFormOneNumber() throws {
        let plan = DialingPlanSettings(companyId: 1, domainId: 1)
        // ASCII is read byte by byte, anything else through Unicode: both give the same keys.
        let forms = [
            "+33 1 55 17 18 89", "0155171889", "0033155171889", "+33 (0)1 55 17 18 89", "01.55.17.18.89", "\t +33155171889",
            "\u{A0}+33\u{A0}1\u{A0}55\u{A0}17\u{A0}18\u{A0}89", "+33 (0)1 55 17 18 89 ☎", "(0)+33155171889",
        ]
        #expect(Set(forms.map { PhoneKey.key($0, plan: plan) }) == ["33155171889"])
        #expect(PhoneKey.key("1234", plan: plan) == "1234")
        #expect(PhoneKey.key("+44 20 7946 0958", plan: plan) == "442079460958")
        #expect(PhoneKey.key("no number", plan: plan) == nil)
        #expect(PhoneKey.key("(0)", plan: plan) == nil)
        let international = try #require(PhoneKey.indexForms("+33 (0)1 55 17 18 89", plan: plan))
        #expect(international.key == "33155171889" && international.searchForms == ["33155171889", "33155171889", "0155171889"])
        let national = try #require(PhoneKey.indexForms("01 55 17 18 89 ☎", plan: plan))
        #expect(national.key == "33155171889" && national.searchForms == ["0155171889", "33155171889", "0155171889"])
    }

    @Test func redListValuesOfTheGuide() {
        for value in ["1", "true", "YES", "y", "lr", "rf", " Yes "] { #expect(ContactPhone.isRedListValue(value), "\(value)") }
        for value in ["0", "false", "no", "", "x"] { #expect(!ContactPhone.isRedListValue(value), "\(value)") }
        #expect(!ContactPhone.isRedListValue(nil))
    }
}

/// A tenant with directories, a user with rights, and the services over an in-memory store.
struct DirectoryWorld {
    let world: World
    let company: Company
    let domain: CompanyDomain
    let user: User
    let principal: UserPrincipal
    let service: DirectoryService

    init(name: String = "Acme") async throws {
        world = try await World()
        (company, domain) = try await world.tenant(name)
        user = try await world.callerUser("reader", in: domain)
        principal = UserPrincipal(userId: user.id!, domainId: domain.id!, companyId: company.id!, sessionTokenId: "t")
        service = DirectoryService(store: world.store)
    }

    func admin(_ rows: [SourceRow], failAfter: Int? = nil) -> DirectoryAdminService {
        DirectoryAdminService(
            store: world.store,
            synchronizer: DirectorySynchronizer(store: world.store, connector: RowSource(rows: rows, failAfter: failAfter), batchSize: 2)
        )
    }

    /// A CSV-type directory (the rows come from `RowSource`) with the given map, granted to the user unless told not to.
    func directory(
        _ name: String,
        priority: Int,
        map: [ContactField: String],
        labels: [Int: String] = [:],
        merge: Bool = false,
        grant: Bool = true
    )
        async throws -> Directory
    {
        let directory = try await admin([]).createDirectory(
            world.root,
            domainId: domain.id!,
            DirectoryChanges(
                name: name,
                priority: priority,
                source: .csv,
                connection: .csv(CSVSourceSettings(path: "\(name).csv")),
                fieldMap: try FieldMap(map, privateLabels: labels),
                mergeContacts: merge
            )
        )
        if grant { try await self.grant(directory.id!, to: user) }
        return directory
    }

    func grant(_ directoryId: Int64, to user: User) async throws {
        _ = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .directory, objectId: directoryId, granteeType: .user, granteeId: user.id!)
        )
    }

    func sync(_ directory: Directory, _ rows: [SourceRow], failAfter: Int? = nil) async throws -> DirectorySyncReport {
        try await admin(rows, failAfter: failAfter).synchronise(world.root, id: directory.id!, wait: true)
    }

    func search(_ text: String, as principal: UserPrincipal? = nil) async throws -> [ContactCard] {
        try await service.search(principal ?? self.principal, ContactSearch(text: text)).cards
    }
}

@Suite struct DirectorySyncTests {
    static let map: [ContactField: String] = [
        .id: "id", .lastName: "sn", .firstName: "givenname", .company: "o", .professionalPhone: "tel", .professionalRedList: "secret",
        .mobilePhone: "gsm", .mail1: "mail",
    ]

    @Test func upsertsByIdDeletesVanishedRowsAndReportsIgnoredOnes() async throws {
        let w = try await DirectoryWorld()
        let directory = try await w.directory("People", priority: 30, map: Self.map)
        let first = try await w.sync(
            directory,
            [
                row(["id": "1", "sn": "Dupont", "givenname": "Jean", "tel": "+33 1 55 17 18 89"]),
                row(["id": "2", "sn": "Martin", "givenname": "Anne"]),
                row(["id": "3", "sn": "Durand"]),
                row(["sn": "Nobody"]),
                row(["id": "2", "sn": "Twice"]),
            ]
        )
        #expect(first.state == .succeeded)
        #expect((first.read, first.created, first.updated, first.deleted, first.ignored) == (5, 3, 0, 0, 2))
        #expect(first.ignoredSamples.map(\.reason) == ["no ID (id is empty)", "ID 2 appears twice in the source"])
        let second = try await w.sync(
            directory,
            [
                row(["id": "1", "sn": "Dupont", "givenname": "Jean", "tel": "+33 1 55 17 18 89"]),
                row(["id": "2", "sn": "Martin", "givenname": "Annie"]),
            ]
        )
        #expect((second.created, second.updated, second.unchanged, second.deleted) == (0, 1, 1, 1))
        #expect(try await w.search("Durand").isEmpty)
        // The unchanged contact was left alone: still found by name and by number.
        #expect(try await w.search("dupont").map(\.displayName) == ["Jean Dupont"])
        #expect(try await w.search("0155171889").map(\.displayName) == ["Jean Dupont"])
        #expect(try await w.search("annie").map(\.displayName) == ["Annie Martin"])
        let stored = try await w.world.admin.listDirectories(w.world.root, domainId: w.domain.id!).first { $0.id == directory.id }
        // Stored as JSON: compare what was counted (dates lose sub-millisecond precision).
        #expect(stored?.lastSync?.state == .succeeded && stored?.lastSync?.updated == 1 && stored?.lastSync?.deleted == 1)
    }

    @Test func aChangedAttributeIsFoundThroughTheSourceDigestAndOnlyItsRowRewritten() async throws {
        let w = try await DirectoryWorld()
        let directory = try await w.directory("People", priority: 30, map: Self.map)
        let rows = (1...5).map { row(["id": "\($0)", "sn": "Person\($0)", "mail": "p\($0)@example.org", "tel": "+33 1 55 17 18 8\($0)"]) }
        _ = try await w.sync(directory, rows)
        func stored() async throws -> [String: Contact] {
            let contacts = try await w.world.store.read { tx in try tx.contacts(directoryId: directory.id!) }
            return Dictionary(uniqueKeysWithValues: contacts.map { ($0.externalId, $0) })
        }
        let before = try await stored()
        #expect(before.values.allSatisfy { $0.sourceDigest != 0 })
        var changed = rows
        changed[1] = row(["id": "2", "sn": "Person2", "mail": "moved@example.org", "tel": "+33 1 55 17 18 82"])
        // The same values written otherwise (blanks around them): a new digest, but the same contact.
        changed[3] = row(["id": "4", "sn": " Person4 ", "mail": "p4@example.org", "tel": "+33 1 55 17 18 84"])
        // An attribute the field map does not read changes nothing.
        changed[4] = row(["id": "5", "sn": "Person5", "mail": "p5@example.org", "tel": "+33 1 55 17 18 85", "unmapped": "new"])
        let report = try await w.sync(directory, changed)
        #expect((report.read, report.created, report.updated, report.unchanged, report.deleted) == (5, 0, 1, 4, 0))
        let after = try await stored()
        #expect(after["2"]?.mail1 == "moved@example.org" && after["2"]?.sourceDigest != before["2"]?.sourceDigest)
        #expect(after["4"]?.sourceDigest != before["4"]?.sourceDigest && after["4"]?.lastName == "Person4")
        #expect(after["5"]?.sourceDigest == before["5"]?.sourceDigest && after["1"]?.sourceDigest == before["1"]?.sourceDigest)
        #expect(try await w.search("moved").map(\.displayName) == ["Person2"])
        // Read again as they are now: every row skipped by its digest.
        let again = try await w.sync(directory, changed)
        #expect((again.updated, again.unchanged) == (0, 5))
        // … and none written.
        #expect(try await stored() == after)
    }

    @Test func changesScatteredOverManyReadsAreAllWritten() async throws {
        // Reads of 2 rows (the world's batch size): the changed, new and vanished rows are pooled across reads
        // before they are written, and the unchanged ones between them are counted as they are read.
        let w = try await DirectoryWorld()
        let directory = try await w.directory("People", priority: 30, map: Self.map)
        let rows = (1...11).map { row(["id": "\($0)", "sn": "Person\($0)", "mail": "p\($0)@example.org"]) }
        #expect(try await w.sync(directory, rows).created == 11)
        var changed = rows
        for index in [1, 4, 7, 10] { changed[index] = row(["id": "\(index + 1)", "sn": "Person\(index + 1)", "mail": "moved\(index + 1)@example.org"]) }
        changed.remove(at: 5)
        changed.append(row(["id": "12", "sn": "Newcomer"]))
        let report = try await w.sync(directory, changed)
        #expect((report.read, report.created, report.updated, report.unchanged, report.deleted) == (11, 1, 4, 6, 1))
        #expect(try await w.search("moved").map(\.displayName).sorted() == ["Person11", "Person2", "Person5", "Person8"])
        #expect(try await w.search("newcomer").map(\.displayName) == ["Newcomer"])
        #expect(try await w.search("person6").isEmpty)
        #expect(try await w.search("person").count == 10)
    }

    @Test func aChangedFieldMapMapsAnUnchangedSourceAgain() async throws {
        let w = try await DirectoryWorld()
        let directory = try await w.directory("People", priority: 30, map: Self.map)
        let rows = (1...3).map { row(["id": "\($0)", "sn": "Person\($0)", "o": "Globex", "title": "Boss"]) }
        let first = try await w.sync(directory, rows)
        #expect(first.created == 3)
        #expect(try await w.search("globex").count == 3)
        #expect(try await w.search("boss").isEmpty)
        var map = Self.map
        map[.company] = "title"
        _ = try await w.admin([]).updateDirectory(w.world.root, id: directory.id!, DirectoryChanges(fieldMap: try FieldMap(map)))
        let remapped = try await w.sync(directory, rows)
        #expect((remapped.updated, remapped.unchanged) == (3, 0))
        #expect(try await w.search("boss").count == 3)
        #expect(try await w.search("globex").isEmpty)
        // The same map again maps nothing: the rows' digests are those of the new map.
        let again = try await w.sync(directory, rows)
        #expect((again.updated, again.unchanged) == (0, 3))
    }

    @Test func aSourceFailingHalfWayKeepsThePreviousContacts() async throws {
        let w = try await DirectoryWorld()
        let directory = try await w.directory("People", priority: 30, map: Self.map)
        let rows = (1...6).map { row(["id": "\($0)", "sn": "Person\($0)"]) }
        _ = try await w.sync(directory, rows)
        let failed = try await w.sync(directory, Array(rows.prefix(2)), failAfter: 2)
        #expect(failed.state == .failed)
        #expect(failed.error == "The source failed (read_failed): connection reset by peer")
        #expect(failed.deleted == 0)
        #expect(try await w.search("person").count == 6)
    }

    @Test func redListHidesTheNumberButLookupStillNamesTheCaller() async throws {
        let w = try await DirectoryWorld()
        let directory = try await w.directory("People", priority: 30, map: Self.map)
        _ = try await w.sync(
            directory,
            [row(["id": "1", "sn": "Hollande", "givenname": "Noa", "tel": "01 55 17 18 89", "gsm": "0601020304", "secret": "yes"])]
        )
        let card = try #require(try await w.search("noa").first)
        // Only the professional number is red-listed (the mobile has no red-list field in this map).
        #expect(card.phones.map(\.number) == ["0601020304"])
        // The red-listed number cannot be found by search (that would reveal it)...
        #expect(try await w.search("0155171889").isEmpty)
        #expect(try await w.search("0601").map(\.displayName) == ["Noa Hollande"])
        // ...but an incoming call from it is named, in any written form, without the number in the card.
        for number in ["+33155171889", "0155171889", "0033155171889", "+33 (0)1 55 17 18 89"] {
            let caller = try #require(try await w.service.lookup(w.principal, number: number), "\(number)")
            #expect(caller.name == "Noa Hollande")
            #expect(caller.number == (number.hasPrefix("+33 (0)") ? "+33155171889" : caller.number))
            #expect(!caller.card.phones.contains { $0.kind == .professional })
        }
        #expect(try await w.service.lookup(w.principal, number: "0199999999") == nil)
    }

    @Test func vipInvisibleAndAddressFields() async throws {
        let w = try await DirectoryWorld()
        var map = Self.map
        map[.private0] = "vip"
        map[.private1] = "street|a"
        map[.private2] = "notes|i"
        map[.company] = "o|u"
        let directory = try await w.directory("Customers", priority: 30, map: map, labels: [0: "[VIP]", 1: "Address", 2: "Notes"])
        _ = try await w.sync(
            directory,
            [
                row([
                    "id": "1", "sn": "Gold", "o": "acme", "vip": "Key account", "street": "1 rue de la Paix", "notes": "pays late",
                    "tel": "0155171889",
                ]),
                row(["id": "2", "sn": "Plain", "o": "acme"]),
            ]
        )
        let cards = try await w.search("acme")
        let gold = try #require(cards.first { $0.lastName == "Gold" })
        #expect(gold.vip && gold.vipInfo == "Key account")
        #expect(gold.company == "ACME")
        #expect(gold.privateFields.map(\.label) == ["Address"])
        #expect(gold.mapLinks.map(\.url) == ["https://www.openstreetmap.org/search?query=1%20rue%20de%20la%20Paix"])
        #expect(cards.first { $0.lastName == "Plain" }?.vip == false)
        // The incoming-call card (Alerter) shows the invisible field.
        let caller = try #require(try await w.service.lookup(w.principal, number: "0155171889"))
        #expect(caller.card.privateFields.map(\.label) == ["Address", "Notes"])
        #expect(caller.card.vip)
    }

    @Test func mergeByEmailLowestPriorityWinsPerFieldAndLookupPrefersItToo() async throws {
        let w = try await DirectoryWorld()
        let crm = try await w.directory("CRM", priority: 10, map: Self.map, merge: true)
        let ldap = try await w.directory("LDAP", priority: 20, map: Self.map, merge: true)
        let other = try await w.directory("Other", priority: 5, map: Self.map)
        _ = try await w.sync(crm, [row(["id": "c1", "sn": "Dupont", "mail": "J.Dupont@acme.example", "o": "Acme CRM"])])
        _ = try await w.sync(
            ldap,
            [row(["id": "l1", "sn": "Dupont-LDAP", "givenname": "Jean", "mail": "j.dupont@acme.example", "gsm": "0611223344", "o": "Acme LDAP"])]
        )
        _ = try await w.sync(other, [row(["id": "o1", "sn": "Dupont", "givenname": "Jeanne", "gsm": "0611223344"])])
        let cards = try await w.search("dupont")
        #expect(cards.count == 2)
        let merged = try #require(cards.first { $0.contactIds.count == 2 })
        #expect(merged.directoryName == "CRM")
        #expect(merged.lastName == "Dupont" && merged.company == "Acme CRM")
        // Fields the better directory lacks come from the other one.
        #expect(merged.firstName == "Jean" && merged.phones.map(\.number) == ["0611223344"])
        // The same number in two directories: the lowest priority number (Other, 5) names the caller.
        #expect(try await w.service.lookup(w.principal, number: "+33611223344")?.name == "Jeanne Dupont")
    }

    @Test func searchIsAccentAndCaseInsensitivePrefixAndMultiWord() async throws {
        let w = try await DirectoryWorld()
        let directory = try await w.directory("People", priority: 30, map: Self.map)
        _ = try await w.sync(
            directory,
            [
                row(["id": "1", "sn": "Müller", "givenname": "Jürgen", "o": "Größe AG", "mail": "jm@grosse.example"]),
                row(["id": "2", "sn": "Lefèvre", "givenname": "Zoé", "o": "Acme"]),
                row(["id": "3", "sn": "Lefebvre", "givenname": "Paul", "o": "Acme"]),
            ]
        )
        #expect(try await w.search("muller").map(\.lastName) == ["Müller"])
        #expect(try await w.search("JÜRG").map(\.lastName) == ["Müller"])
        #expect(try await w.search("lef zoe").map(\.lastName) == ["Lefèvre"])
        #expect(try await w.search("acme paul").map(\.lastName) == ["Lefebvre"])
        #expect(try await w.search("grosse").map(\.lastName) == ["Müller"])
        #expect(Set(try await w.search("lef").compactMap(\.lastName)) == ["Lefèvre", "Lefebvre"])
        // Query syntax is text, never FTS operators.
        #expect(try await w.search("\"lef* OR NOT").isEmpty)
        let page = try await w.service.search(w.principal, ContactSearch(text: "acme", limit: 1))
        #expect(page.cards.count == 1 && page.hasMore)
        // Nothing to search (only spaces and punctuation) is an empty page, not an error: a search box still being typed.
        #expect(try ContactSearch(text: "  ..  ").isEmpty)
        #expect(try await w.search("  ..  ").isEmpty)
    }

    @Test func severalWordsRankWholeNameWordsThenNameStartsThenOtherFieldsWithFewOrManyMatches() async throws {
        let w = try await DirectoryWorld()
        let directory = try await w.directory("People", priority: 30, map: Self.map)
        let few = [
            row(["id": "1", "sn": "Marchand", "givenname": "Anna Zoé", "o": "Zeta"]),
            row(["id": "2", "sn": "Mar", "givenname": "Anna Zoé", "o": "Zeta"]),
            row(["id": "3", "sn": "Petit", "givenname": "Anna Zoé", "o": "Marbre SA"]),
            row(["id": "4", "sn": "Mär", "givenname": "ANNA ZOE", "o": "Zeta"]),
            row(["id": "5", "sn": "Mar", "givenname": "Paul", "o": "Zeta"]),
        ]
        _ = try await w.sync(directory, few)
        func page(_ offset: Int, _ limit: Int) async throws -> ContactSearchResult {
            try await w.service.search(w.principal, ContactSearch(text: "anna mar zoe", offset: offset, limit: limit))
        }
        // Few matches: read at once and ranked here.
        #expect(try await w.search("anna mar zoe").map(\.lastName) == ["Mar", "Mär", "Marchand", "Petit"])
        let second = try await page(1, 2)
        #expect(second.cards.map(\.lastName) == ["Mär", "Marchand"] && second.hasMore)
        #expect(try await page(3, 2).hasMore == false)
        // More matches than are ranked at once: the tiers give the same order.
        let many = (0..<(ContactSearch.rankedCandidates(words: 3) + 10)).map { row(["id": "x\($0)", "sn": "Marx\($0)", "givenname": "Anna Zoé", "o": "Zeta"]) }
        _ = try await w.sync(directory, few + many)
        #expect(try await page(0, 4).cards.map(\.lastName) == ["Mar", "Mär", "Marchand", "Marx0"])
        #expect(try await w.search("anna paul zoe").isEmpty)
        // Two words are ranked the same way, with fewer matches read at once; past them the tiers give the order.
        #expect(ContactSearch.rankedMinimumWords == 2 && ContactSearch.rankedCandidates(words: 2) < ContactSearch.rankedCandidates(words: 3))
        _ = try await w.sync(directory, few)
        #expect(try await w.search("mar anna").map(\.lastName) == ["Mar", "Mär", "Marchand", "Petit"])
        #expect(try await w.search("zoe marb").map(\.lastName) == ["Petit"])
        let twoWords = (0..<(ContactSearch.rankedCandidates(words: 2) + 5)).map { row(["id": "y\($0)", "sn": "Marx\($0)", "givenname": "Anna", "o": "Zeta"]) }
        _ = try await w.sync(directory, few + twoWords)
        let ranked = try await w.service.search(w.principal, ContactSearch(text: "anna mar", limit: 4))
        #expect(ranked.cards.map(\.lastName) == ["Mar", "Mär", "Marchand", "Marx0"] && ranked.hasMore)
    }

    @Test func rightsDecideWhatAUserFinds() async throws {
        let w = try await DirectoryWorld()
        let granted = try await w.directory("Granted", priority: 30, map: Self.map)
        let ungranted = try await w.directory("Ungranted", priority: 30, map: Self.map, grant: false)
        _ = try await w.sync(granted, [row(["id": "1", "sn": "Visible", "tel": "0155000001"])])
        _ = try await w.sync(ungranted, [row(["id": "1", "sn": "Hidden", "tel": "0155000002"])])
        #expect(try await w.search("visible").count == 1)
        #expect(try await w.search("hidden").isEmpty)
        #expect(try await w.service.lookup(w.principal, number: "0155000002") == nil)
        // A right given to one of the user's groups counts.
        let group = try await w.world.group("Sales", in: w.domain, members: [w.user])
        _ = try await w.world.admin.grant(
            w.world.root,
            AuthorizationRequest(objectType: .directory, objectId: ungranted.id!, granteeType: .group, granteeId: group.id!)
        )
        #expect(try await w.search("hidden").count == 1)
        // A draft directory is read by nobody.
        _ = try await w.admin([]).updateDirectory(w.world.root, id: ungranted.id!, DirectoryChanges(kind: .draft))
        #expect(try await w.search("hidden").isEmpty)
        // Advanced search needs AuthorizedAdvancedSearch.
        let advanced = try ContactSearch(fields: [.name: "visible"])
        #expect(try await w.service.search(w.principal, advanced).cards.count == 1)
        _ = try await w.world.admin.setParameter(
            w.world.root,
            scope: .user,
            scopeId: w.user.id!,
            application: .caller,
            name: "AuthorizedAdvancedSearch",
            value: "false"
        )
        await #expect(throws: DomainError.self) { try await w.service.search(w.principal, advanced) }
    }

    @Test func queueAndIntercomGroupRightsNameTheCallersOfTheirDevices() async throws {
        let w = try await DirectoryWorld()
        let world = w.world
        let partners = try await w.directory("Partners", priority: 30, map: Self.map, grant: false)
        _ = try await w.sync(partners, [row(["id": "1", "sn": "Caller", "givenname": "Queue", "tel": "+33 1 55 00 00 07"])])
        let boss = try await world.callerUser("boss", in: w.domain)
        _ = try await world.admin.createDevice(world.root, userId: boss.id!, DeviceChanges(number: "1001"))
        _ = try await world.admin.createDevice(world.root, userId: w.user.id!, DeviceChanges(number: "1002"))
        let queue = try await world.admin.create(
            world.root,
            domainId: w.domain.id!,
            PhoneQueue(companyId: 0, domainId: 0, name: "Standard", device: SupervisedDeviceRange(number: "7777"))
        )
        let office = try await world.admin.create(
            world.root,
            domainId: w.domain.id!,
            IntercomGroup(companyId: 0, domainId: 0, name: "Boss office", devices: [SupervisedDeviceRange(number: "1001")])
        )
        // Nobody holds the directory yet: the number names nobody, on any device.
        for device in ["7777", "1001", "1002"] {
            #expect(await CallerNames(store: world.store).callerName(domainId: w.domain.id!, device: device, number: "0155000007") == nil)
        }
        for (type, id) in [(GranteeType.phoneQueue, queue.id!), (.intercomGroup, office.id!)] {
            _ = try await world.admin.grant(
                world.root,
                AuthorizationRequest(objectType: .directory, objectId: partners.id!, granteeType: type, granteeId: id)
            )
        }
        let names = CallerNames(store: world.store)
        // The queue's pilot number and the boss's device (in the intercom group) name the caller; the reader's own
        // device does not, since neither the reader nor a group of theirs holds the directory.
        #expect(await names.callerName(domainId: w.domain.id!, device: "7777", number: "0155000007") == "Queue Caller")
        #expect(await names.callerName(domainId: w.domain.id!, device: "1001", number: "0155000007") == "Queue Caller")
        #expect(await names.callerName(domainId: w.domain.id!, device: "1002", number: "0155000007") == nil)
        // Those rights name callers on displays only; they give no search right to the boss.
        let bossPrincipal = UserPrincipal(userId: boss.id!, domainId: w.domain.id!, companyId: w.company.id!, sessionTokenId: "b")
        #expect(try await w.search("caller", as: bossPrincipal).isEmpty)
    }

    @Test func aUserOfAnotherCompanyNeverFindsTheContacts() async throws {
        let w = try await DirectoryWorld()
        let directory = try await w.directory("People", priority: 30, map: Self.map)
        _ = try await w.sync(directory, [row(["id": "1", "sn": "Secretive", "tel": "0155000003"])])
        let (otherCompany, otherDomain) = try await w.world.tenant("Other")
        let intruder = try await w.world.callerUser("intruder", in: otherDomain)
        // Even a right naming the other company's directory cannot be created...
        await #expect(throws: DomainError.self) {
            _ = try await w.world.admin.grant(
                w.world.root,
                AuthorizationRequest(objectType: .directory, objectId: directory.id!, granteeType: .user, granteeId: intruder.id!)
            )
        }
        let principal = UserPrincipal(userId: intruder.id!, domainId: otherDomain.id!, companyId: otherCompany.id!, sessionTokenId: "t")
        #expect(try await w.search("secretive", as: principal).isEmpty)
        #expect(try await w.service.lookup(principal, number: "0155000003") == nil)
        let contactId = try #require(try await w.search("secretive").first?.id)
        await #expect(throws: DomainError.notFound("Contact")) { try await w.service.contact(principal, id: contactId) }
    }

    @Test func twsUsersDirectorySynchronisesTheDomainsUsers() async throws {
        let w = try await DirectoryWorld()
        let colleague = try await w.world.admin.createUser(
            w.world.root,
            domainId: w.domain.id!,
            UserChanges(username: "jdoe", firstName: "John", lastName: "Doe", email: "john@acme.example", mobile: "0612345678")
        )
        _ = try await w.world.admin.createDevice(w.world.root, userId: colleague.id!, DeviceChanges(number: "1234"))
        let users = try #require(try await w.world.admin.listDirectories(w.world.root, domainId: w.domain.id!).first { $0.source == .twsUsers })
        try await w.grant(users.id!, to: w.user)
        let report = try await w.sync(users, [])
        #expect(report.created == 2)
        let card = try #require(try await w.search("doe").first)
        #expect(card.phones.map(\.number) == ["1234", "0612345678"])
        #expect(try await w.service.lookup(w.principal, number: "1234")?.name == "John Doe")
    }
}

@Suite struct PrivateContactTests {
    @Test func privateContactsNeedTheTwsPrivateRightAndStayTheOwners() async throws {
        let w = try await DirectoryWorld()
        let changes = ContactChanges(lastName: "Plumber", phones: [ContactPhone(kind: .mobile, number: "0699887766")])
        await #expect(throws: DomainError.self) { try await w.service.createPrivateContact(w.principal, changes) }
        let privateDirectory = try #require(
            try await w.world.admin.listDirectories(w.world.root, domainId: w.domain.id!).first { $0.source == .twsPrivate }
        )
        let colleague = try await w.world.callerUser("colleague", in: w.domain)
        let group = try await w.world.group("All", in: w.domain, members: [w.user, colleague])
        _ = try await w.world.admin.grant(
            w.world.root,
            AuthorizationRequest(objectType: .directory, objectId: privateDirectory.id!, granteeType: .group, granteeId: group.id!)
        )
        let card = try await w.service.createPrivateContact(w.principal, changes)
        #expect(card.isPrivate)
        #expect(try await w.search("plumber").map(\.id) == [card.id])
        #expect(try await w.service.lookup(w.principal, number: "+33699887766")?.name == "Plumber")
        // The colleague holds the same right and sees nothing of it.
        let other = UserPrincipal(userId: colleague.id!, domainId: w.domain.id!, companyId: w.company.id!, sessionTokenId: "t")
        #expect(try await w.search("plumber", as: other).isEmpty)
        await #expect(throws: DomainError.notFound("Contact")) { try await w.service.deletePrivateContact(other, id: card.id) }
        let updated = try await w.service.updatePrivateContact(w.principal, id: card.id, ContactChanges(firstName: "Joe"))
        #expect(updated.displayName == "Joe Plumber")
        // AuthorizeContactFavorite off: no more edits.
        _ = try await w.world.admin.setParameter(
            w.world.root,
            scope: .user,
            scopeId: w.user.id!,
            application: .caller,
            name: "AuthorizeContactFavorite",
            value: "false"
        )
        await #expect(throws: DomainError.self) { try await w.service.deletePrivateContact(w.principal, id: card.id) }
        #expect(try await w.service.privateContacts(w.principal).count == 1)
    }

    @Test func listsArePrivateUnlessAuthorizePublicList() async throws {
        let w = try await DirectoryWorld()
        let directory = try await w.directory("People", priority: 30, map: DirectorySyncTests.map)
        _ = try await w.sync(directory, [row(["id": "1", "sn": "Alpha"]), row(["id": "2", "sn": "Beta"])])
        let ids = try await w.search("alpha").map(\.id) + w.search("beta").map(\.id)
        await #expect(throws: DomainError.self) { try await w.service.createContactList(w.principal, name: "Team", isPublic: true, contactIds: ids) }
        let list = try await w.service.createContactList(w.principal, name: "Team", isPublic: false, contactIds: ids)
        #expect(list.cards.map(\.lastName) == ["Alpha", "Beta"])
        let colleague = try await w.world.callerUser("colleague", in: w.domain)
        let other = UserPrincipal(userId: colleague.id!, domainId: w.domain.id!, companyId: w.company.id!, sessionTokenId: "t")
        #expect(try await w.service.contactLists(other).isEmpty)
        _ = try await w.world.admin.setParameter(
            w.world.root,
            scope: .user,
            scopeId: w.user.id!,
            application: .caller,
            name: "AuthorizePublicList",
            value: "true"
        )
        _ = try await w.service.updateContactList(w.principal, id: list.list.id!, name: nil, isPublic: true, contactIds: nil)
        // The colleague sees the public list, but only members of directories they may read (none yet).
        let seen = try #require(try await w.service.contactLists(other).first)
        #expect(!seen.owned && seen.cards.isEmpty)
        try await w.grant(directory.id!, to: colleague)
        #expect(try await w.service.contactLists(other).first?.cards.count == 2)
        await #expect(throws: DomainError.notFound("Contact list")) { try await w.service.deleteContactList(other, id: list.list.id!) }
        // A list may not name a contact its owner cannot read.
        await #expect(throws: DomainError.self) {
            try await w.service.createContactList(w.principal, name: "Bad", isPublic: false, contactIds: [9_999_999])
        }
    }
}

@Suite struct DirectoryScheduleTests {
    @Test func dailyAtTheDomainsTimeAndEveryNMinutesSinceTheLastStart() async throws {
        let w = try await DirectoryWorld()
        let daily = try await w.directory("Daily", priority: 30, map: DirectorySyncTests.map)
        let hourly = try await w.directory("Hourly", priority: 30, map: DirectorySyncTests.map)
        let admin = w.admin([])
        _ = try await admin.updateDirectory(w.world.root, id: daily.id!, DirectoryChanges(synchronization: .daily))
        _ = try await admin.updateDirectory(w.world.root, id: hourly.id!, DirectoryChanges(synchronization: .every(minutes: 60)))
        _ = try await w.world.admin.setParameter(
            w.world.root,
            scope: .domain,
            scopeId: w.domain.id!,
            application: .system,
            name: "timeSynchronizationDirectories",
            value: "06:30"
        )
        let calendar = {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            return calendar
        }()
        func at(_ hour: Int, _ minute: Int) -> Date {
            calendar.date(from: DateComponents(year: 2026, month: 11, day: 23, hour: hour, minute: minute))!
        }
        func due(_ time: Date) async throws -> Set<String> {
            Set(try await w.world.store.read { tx in try DirectorySchedule.due(at: time, calendar: calendar, tx) }.map(\.name))
        }
        // Never synchronised: the hourly one is due at once, the daily one at 06:30 only.
        #expect(try await due(at(6, 29)) == ["Hourly"])
        #expect(try await due(at(6, 30)) == ["Daily", "Hourly"])
        _ = try await w.sync(hourly, [])
        let started = try #require(try await admin.directory(w.world.root, id: hourly.id!).lastSync?.startedAt)
        #expect(try await due(started.addingTimeInterval(30 * 60)).contains("Hourly") == false)
        #expect(try await due(started.addingTimeInterval(61 * 60)).contains("Hourly"))
        // A draft is never due.
        _ = try await admin.updateDirectory(w.world.root, id: daily.id!, DirectoryChanges(kind: .draft))
        #expect(try await due(at(6, 30)).contains("Daily") == false)
    }
}

/// The server checks PBX hosts with the very pattern the contract publishes, so the two cannot drift apart.
@Suite struct NetworkHostPatternTests {
    @Test func theServerPatternIsTheContractPattern() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let contract = try String(contentsOf: root.appendingPathComponent("openapi/tws.yaml"), encoding: .utf8)
        let line = try #require(contract.split(separator: "\n").first { $0.contains("(?![0-9.]+$)") })
        let published = line.trimmingCharacters(in: .whitespaces).dropFirst("pattern: ".count)
        #expect(String(published) == NetworkHost.pattern)
    }
}

@Suite struct ContactRankingTests {
    @Test func theASCIIRankingAgreesWithTheUnicodeOne() {
        let names = ["Jean Dupont", "jean-luc DUPONT", "Dupontel Jeanne", "O'Brien Sean", "Anna Lise 2", "Marc", "", "  ", "a b c"]
        let words = [["jean"], ["jean", "dupont"], ["jea", "dup"], ["dupont", "jean"], ["brien", "o"], ["2"], ["marc", "x"], ["a", "b", "c"], ["lise"]]
        for name in names {
            for query in words {
                #expect(ContactSearch.asciiTier(ofName: name, words: query) == ContactSearch.unicodeTier(ofName: name, words: query), "\(name) \(query)")
            }
        }
        #expect(ContactSearch.tier(ofName: "Jean Dupont", words: ["jean", "dupont"]) == 0)
        #expect(ContactSearch.tier(ofName: "Jeanne Dupont", words: ["jean", "dup"]) == 1)
        #expect(ContactSearch.tier(ofName: "Jeanne Martin", words: ["jean", "dup"]) == 2)
        // Accented names and words take the Unicode way.
        #expect(ContactSearch.asciiTier(ofName: "Léa Dupont", words: ["lea"]) == nil)
        #expect(ContactSearch.tier(ofName: "Léa Dupont", words: ["lea"]) == 0)
    }

    /// A search's words are split over bytes when it is ASCII, with the Unicode way's answer.
    @Test func theASCIIWordsAreTheUnicodeOnes() {
        let texts = [
            "", " ", "\t", "jean", " Jean  DUPONT ", "jean-luc o'brien", "a,b;c", "+33 (0)1 55 17 18 89", "0155171889", "(0)", "()",
            "01.55.17", "01 55 x", " \t12\t ", "1 2 3 4 5 6 7 8 9", "a b c d e f g h i j", "a1 b2", "@[`{", "\r\n12", "12\r\n",
            "(0)(0)12", "((0)12)", "-", "+", "tab\tword", "x(0)",
        ]
        for text in texts {
            #expect(ContactSearch.asciiWords(text) == ContactSearch.unicodeWords(text), "\(text)")
        }
        #expect(ContactSearch.asciiWords("Léa") == nil)
        #expect(ContactSearch.words("Léa Dupont") == ["Léa", "Dupont"])
    }

    /// Accented names whose letters all fold to ASCII are ranked over bytes too, with the Unicode way's answer.
    @Test func theLatinRankingAgreesWithTheUnicodeOne() {
        let names = ["Léa Dupont", "Élodie MÜLLER-Ñúñez", "Zoë d'Aragon 2", "Ångström Åsa", "Dupont Léa", "Straße İlker", "José-María Núñez"]
        let words = [["lea"], ["lea", "dupont"], ["elo", "mul"], ["nunez"], ["zoe", "2"], ["angstrom", "as"], ["aragon"], ["x"], ["strasse", "ilker"], ["maria", "jose"]]
        for name in names {
            #expect(ContactSearch.latinTier(ofName: name, words: ["a"]) != nil, "\(name)")
            for query in words {
                #expect(ContactSearch.latinTier(ofName: name, words: query) == ContactSearch.unicodeTier(ofName: name, words: query), "\(name) \(query)")
            }
        }
        // Every letter of the table, inside a word and alone, in upper and lower case.
        for (value, _) in ContactSearch.latinFolding {
            let letter = String(Unicode.Scalar(value)!)
            for name in ["a\(letter)b Cd", "\(letter) x", "X\(letter.uppercased())"] {
                let folded = ContactSearch.folded(name).split { !($0.isLetter || $0.isNumber) }.map(String.init)
                for query in [folded, [String(folded[0].prefix(1))], ["zz"]] where query.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }) {
                    if let latin = ContactSearch.latinTier(ofName: name, words: query) {
                        #expect(latin == ContactSearch.unicodeTier(ofName: name, words: query), "\(name) \(query)")
                    }
                }
            }
        }
        // Letters Foundation keeps (`Ł`, `Æ`, `Œ`), and combining marks, take the Unicode way.
        for name in ["Łucja Nowak", "Le\u{301}a", "Æsa", "Œdipe"] {
            #expect(ContactSearch.latinTier(ofName: name, words: ["a"]) == nil, "\(name)")
        }
        #expect(ContactSearch.tier(ofName: "Łucja Nowak", words: ["nowak"]) == 0)
    }
}

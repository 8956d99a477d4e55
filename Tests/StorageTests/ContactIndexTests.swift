import Domain
import Foundation
import GRDB
@testable import Storage
import Testing

/// The contact index on real SQLite: what each `ContactMatch` finds, within a company's readable scopes, and the
/// synchronisation's batch operations.
@Suite struct ContactIndexTests {
    struct Fixture {
        let store: AppDatabase
        let company: Company
        let sales: Directory
        let support: Directory
        let plan: DialingPlanSettings
    }

    func fixture() async throws -> Fixture {
        let store = try AppDatabase.inMemory()
        return try await store.write { tx in
            let company = try tx.insert(Company(name: "Acme"))
            let domain = try tx.insert(CompanyDomain(companyId: company.id!, name: "Paris", numberingPlanLength: 4))
            let sales = try tx.insert(Directory(companyId: company.id!, domainId: domain.id!, name: "Sales", kind: .public, source: .csv, priority: 10))
            let support = try tx.insert(
                Directory(companyId: company.id!, domainId: domain.id!, name: "Support", kind: .public, source: .csv, priority: 20)
            )
            return Fixture(store: store, company: company, sales: sales, support: support, plan: DialingPlanSettings(companyId: company.id!, domainId: domain.id!))
        }
    }

    func contact(_ first: String, _ last: String, company: String = "", phone: String? = nil, in directory: Directory, plan: DialingPlanSettings)
        -> Contact
    {
        Contact(
            companyId: directory.companyId, domainId: directory.domainId, directoryId: directory.id!, externalId: UUID().uuidString,
            lastName: last, firstName: first, company: company, phones: phone.map { [ContactPhone(kind: .professional, number: $0)] } ?? []
        ).indexed(plan: plan, merge: false)
    }

    func names(_ contacts: [Contact]) -> [String] { contacts.map(\.displayName) }

    @Test func wordsMatchWholeOrPrefixTokensFoldingCaseAndAccentsWithExclusions() async throws {
        let f = try await fixture()
        let stored = try await f.store.write { [f] tx in
            try [
                contact("Anna", "Martin", in: f.sales, plan: f.plan), contact("Annabelle", "Dupont", in: f.sales, plan: f.plan),
                contact("Zoë", "Anna-Lise", in: f.sales, plan: f.plan), contact("Bob", "Stone", company: "Annapolis Ltd", in: f.sales, plan: f.plan),
            ].map { try tx.insert($0) }
        }
        let scopes = [stored[0].scope]
        func found(_ match: ContactMatch) async throws -> [String] {
            try await f.store.read { [f] tx in try tx.contacts(matching: match, companyId: f.company.id!, scopes: scopes, limit: 10) }.map(\.displayName)
        }
        let wholeName = [ContactTerm("anna", in: [.name], prefix: false)]
        let prefixName = [ContactTerm("anna", in: [.name], prefix: true)]
        let anywhere = [ContactTerm("anna", in: ContactSearch.Field.allCases, prefix: true)]
        // "Anna-Lise" is two tokens; the order is the order of storing.
        #expect(try await found(.words(wholeName, excluding: [])) == ["Anna Martin", "Zoë Anna-Lise"])
        #expect(try await found(.words(prefixName, excluding: wholeName)) == ["Annabelle Dupont"])
        #expect(try await found(.words(anywhere, excluding: prefixName)) == ["Bob Stone"])
        #expect(try await found(.words([ContactTerm("ZOE", in: [.name], prefix: false)], excluding: [])) == ["Zoë Anna-Lise"])
        // Every term must match; a quote in a word is a character to look for, never query syntax.
        #expect(try await found(.words(wholeName + [ContactTerm("mar", in: [.name], prefix: true)], excluding: [])) == ["Anna Martin"])
        #expect(try await found(.words([ContactTerm("an\"na OR bob", in: [.name], prefix: true)], excluding: [])).isEmpty)
    }

    @Test func onlyTheCompanysReadableScopesAreSearchedUpToTheLimit() async throws {
        let f = try await fixture()
        let other = try await f.store.write { tx in
            let company = try tx.insert(Company(name: "Other"))
            let domain = try tx.insert(CompanyDomain(companyId: company.id!, name: "Lyon", numberingPlanLength: 4))
            return try tx.insert(Directory(companyId: company.id!, domainId: domain.id!, name: "Theirs", kind: .public, source: .csv, priority: 10))
        }
        try await f.store.write { [f] tx in
            for index in 0..<5 { _ = try tx.insert(contact("Anna", "Sales\(index)", in: f.sales, plan: f.plan)) }
            _ = try tx.insert(contact("Anna", "Support", in: f.support, plan: f.plan))
            _ = try tx.insert(contact("Anna", "Elsewhere", in: other, plan: DialingPlanSettings(companyId: other.companyId, domainId: other.domainId)))
        }
        let anna = ContactMatch.words([ContactTerm("anna", in: [.name], prefix: false)], excluding: [])
        let read = try await f.store.read { [f] tx in
            (
                sales: try tx.contacts(matching: anna, companyId: f.company.id!, scopes: ["d\(f.sales.id!)"], limit: 3),
                both: try tx.contacts(matching: anna, companyId: f.company.id!, scopes: ["d\(f.sales.id!)", "d\(f.support.id!)"], limit: 50),
                // Another company's directory named in the scopes still finds nothing outside the company.
                foreign: try tx.contacts(matching: anna, companyId: f.company.id!, scopes: ["d\(other.id!)"], limit: 50),
                names: try tx.contactNames(matching: anna, companyId: f.company.id!, scopes: ["d\(f.support.id!)"], limit: 50)
            )
        }
        #expect(names(read.sales) == ["Anna Sales0", "Anna Sales1", "Anna Sales2"])
        #expect(read.both.count == 6)
        #expect(read.foreign.isEmpty)
        #expect(read.names.map(\.name) == ["Anna Support"])
    }

    @Test func aNumberIsFoundByAnyOfItsKeysWhateverItsForm() async throws {
        let f = try await fixture()
        let stored = try await f.store.write { [f] tx in
            try tx.insert(contact("Carla", "Phone", phone: "+33 1 55 17 18 89", in: f.sales, plan: f.plan))
        }
        let key = try #require(PhoneKey.key("01 55 17 18 89", plan: f.plan))
        let found = try await f.store.read { [f] tx in
            (
                hit: try tx.contacts(matching: .phoneKey(anyOf: ["999", key]), companyId: f.company.id!, scopes: [stored.scope], limit: 5),
                miss: try tx.contacts(matching: .phoneKey(anyOf: ["0155171888"]), companyId: f.company.id!, scopes: [stored.scope], limit: 5)
            )
        }
        #expect(found.hit.map(\.id) == [stored.id])
        #expect(found.miss.isEmpty)
    }

    @Test func listsLongerThanSQLitesVariableLimitAreOneStatement() async throws {
        let f = try await fixture()
        let stored = try await f.store.write { [f] tx in try tx.insertBatch((0..<3).map { contact("Dan", "N\($0)", in: f.sales, plan: f.plan) }) }
        // 40,000 ids (SQLite binds at most 32,766 variables per statement), of which three exist.
        let ids = Array(100_000..<140_000).map(Int64.init) + stored
        let found = try await f.store.read { tx in try tx.contacts(ids: ids) }
        #expect(Set(found.compactMap(\.id)) == Set(stored))
    }

    @Test func aSynchronisationDeletesTheContactsItDidNotRead() async throws {
        let f = try await fixture()
        let batch = (0..<4).map { contact("Eve", "N\($0)", in: f.sales, plan: f.plan) }
        let stored = try await f.store.write { [batch] tx in try tx.insertBatch(batch) }
        let other = try await f.store.write { [f] tx in try tx.insertBatch([contact("Eve", "Support", in: f.support, plan: f.plan)]) }
        #expect(Set(stored).count == 4)
        let (deleted, left, indexed) = try await f.store.write { [f, batch] tx in
            let deleted = try tx.deleteContacts(directoryId: f.sales.id!, keeping: [stored[0], stored[2], other[0], 4242])
            let left = try tx.contacts(directoryId: f.sales.id!)
            let indexed = try tx.contacts(
                matching: .words([ContactTerm("eve", in: [.name], prefix: false)], excluding: []), companyId: f.company.id!,
                scopes: [batch[0].scope], limit: 10
            )
            return (deleted, left, indexed)
        }
        #expect(deleted == 2)
        #expect(Set(left.compactMap(\.id)) == [stored[0], stored[2]])
        // Another directory's contacts are not the synchronisation's, kept or not.
        #expect(try await f.store.read { tx in try tx.contacts(directoryId: f.support.id!) }.count == 1)
        // The batch's index entries went with the deleted rows and stayed for the others.
        #expect(Set(indexed.compactMap(\.id)) == [stored[0], stored[2]])
    }

    @Test func aDirectorysContactsPageIsSearchedLiterallyByNameCompanyAndMail() async throws {
        let f = try await fixture()
        try await f.store.write { [f] tx in
            _ = try tx.insert(contact("Fay", "Zed", company: "100% Pure", in: f.sales, plan: f.plan))
            _ = try tx.insert(contact("Gus", "Abel", company: "1000 Pure", in: f.sales, plan: f.plan))
            _ = try tx.insert(contact("Hal", "Moss", in: f.support, plan: f.plan))
        }
        let pages = try await f.store.read { [f] tx in
            (
                all: try tx.contacts(directoryId: f.sales.id!, .all),
                percent: try tx.contacts(directoryId: f.sales.id!, try PageRequest(search: "100%")),
                second: try tx.contacts(directoryId: f.sales.id!, try PageRequest(offset: 1, limit: 1))
            )
        }
        #expect(names(pages.all.items) == ["Gus Abel", "Fay Zed"] && pages.all.total == 2)
        #expect(names(pages.percent.items) == ["Fay Zed"] && pages.percent.total == 1)
        #expect(names(pages.second.items) == ["Fay Zed"] && pages.second.total == 2)
    }
}

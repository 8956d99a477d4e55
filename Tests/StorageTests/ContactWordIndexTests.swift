import Domain
import Foundation
import GRDB
@testable import Storage
import Testing

/// The search index's terms in memory (issue 22) find exactly what FTS5 finds, for every kind of word match, and are
/// used only while no write has changed the contacts since they were read.
@Suite struct ContactWordIndexTests {
    static let firstNames = ["Anna", "Annabelle", "Zoë", "Jean", "Jeanne", "Léa", "Ørjan", "Æsa", "Łukasz", "Søren", "Straße", "Noël", "Ångström", "Μαρία", "Дмитрий", "José", "Chloé", "Jean-Luc"]
    static let lastNames = ["Martin", "Dupont", "Lefèvre", "Müller", "Østergaard", "Wałęsa", "Çelik", "O'Brien", "Le Gall", "Nguyễn", "Papadopoulos", "Иванов", "Martinez", "Marty", "Dupuis"]
    static let companies = ["Acme Transports", "Atelier Nguyễn", "Société Générale", "Ann Arbor Labs", "", "Zürich Re", "Martin & Fils"]

    struct World: Sendable {
        let store: AppDatabase
        let companyId: Int64
        let otherCompanyId: Int64
        let scopes: [String]
        let otherScope: String
    }

    /// About 1,200 contacts in two directories of one company and one of another, written as a synchronisation does
    /// (batches) and one by one, some updated and deleted afterwards.
    func world() async throws -> World {
        let store = try AppDatabase.inMemory()
        return try await store.write { tx in
            var rng = SystemRandomNumberGenerator()
            let company = try tx.insert(Company(name: "Acme"))
            let domain = try tx.insert(CompanyDomain(companyId: company.id!, name: "Paris", numberingPlanLength: 4))
            let plan = DialingPlanSettings(companyId: company.id!, domainId: domain.id!)
            let other = try tx.insert(Company(name: "Other"))
            let otherDomain = try tx.insert(CompanyDomain(companyId: other.id!, name: "Lyon", numberingPlanLength: 4))
            let otherPlan = DialingPlanSettings(companyId: other.id!, domainId: otherDomain.id!)
            var directories: [(Directory, DialingPlanSettings)] = []
            for (name, companyId, domainId, plan) in [("Sales", company.id!, domain.id!, plan), ("Support", company.id!, domain.id!, plan), ("Theirs", other.id!, otherDomain.id!, otherPlan)] {
                let directory = try tx.insert(Directory(companyId: companyId, domainId: domainId, name: name, kind: .public, source: .csv, priority: 10))
                directories.append((directory, plan))
            }
            func contact(_ index: Int, in pair: (Directory, DialingPlanSettings)) -> Contact {
                let first = Self.firstNames.randomElement(using: &rng)!
                let last = Self.lastNames.randomElement(using: &rng)!
                let local = "\(first).\(last)".lowercased().filter { $0.isLetter || $0 == "." }
                return Contact(
                    companyId: pair.0.companyId, domainId: pair.0.domainId, directoryId: pair.0.id!, externalId: "e\(index)",
                    lastName: last, firstName: first, company: Self.companies.randomElement(using: &rng)!,
                    phones: [ContactPhone(kind: .professional, number: "+33 1 55 \(10 + index % 90) \(10 + index / 90 % 90) \(10 + index % 7)")],
                    mail1: index % 3 == 0 ? "" : "\(local)\(index % 5)@\(["acme.example", "zürich.example", "annapolis.example"].randomElement(using: &rng)!)"
                ).indexed(plan: pair.1, merge: false)
            }
            var stored: [Contact] = []
            for (offset, pair) in directories.enumerated() {
                let batch = (0..<300).map { contact(offset * 1_000 + $0, in: pair) }
                stored += zip(batch, try tx.insertBatch(batch)).map { contact, id in
                    var contact = contact
                    contact.id = id
                    return contact
                }
                for index in 300..<400 { stored.append(try tx.insert(contact(offset * 1_000 + index, in: pair))) }
            }
            // Renamed by a synchronisation, and some gone.
            let renamed = stored.prefix(50).map { old -> Contact in
                var new = contact(9_000 + Int(old.id!), in: directories[0])
                new.id = old.id
                new.externalId = old.externalId
                return new
            }
            try tx.updateBatch(renamed)
            _ = try tx.deleteContacts(directoryId: directories[1].0.id!, keeping: Set(stored.filter { $0.directoryId == directories[1].0.id! }.dropFirst(30).map { $0.id! }))
            return World(
                store: store, companyId: company.id!, otherCompanyId: other.id!,
                scopes: ["d\(directories[0].0.id!)", "d\(directories[1].0.id!)"], otherScope: "d\(directories[2].0.id!)"
            )
        }
    }

    /// Words to look for: whole words and starts of words of the data, in several cases and with or without accents,
    /// digits, and words nobody has.
    static func words() -> [String] {
        let text = (firstNames + lastNames + companies + ["acme", "zurich", "example", "0155", "3315", "155", "1"]).joined(separator: " ")
        var words = Set<String>()
        for word in text.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init) {
            words.insert(word)
            words.insert(word.uppercased())
            words.insert(word.folding(options: [.diacriticInsensitive], locale: nil))
            for length in 1..<min(word.count, 5) { words.insert(String(word.prefix(length)).lowercased()) }
        }
        return words.sorted() + ["xyzzy", "zz", "ß", "ss", "oe"]
    }

    /// What FTS5 answers (a transaction without the terms in memory) and what the terms in memory answer.
    static func both(_ world: World, _ match: ContactMatch, companyId: Int64, scopes: [String], limit: Int) throws -> (fts5: [Int64], memory: [Int64]?) {
        try world.store.readDatabase { db in
            let fts5 = try GRDBTransaction(db: db).contacts(matching: match, companyId: companyId, scopes: scopes, limit: limit).map { $0.id! }
            if case .phoneKey(let keys) = match {
                guard let terms = GRDBTransaction.phoneKeyTerms(keys) else { return (fts5, nil) }
                return (fts5, world.store.contactWords.ids(anyOf: terms, companyId: companyId, scopes: scopes, limit: limit))
            }
            guard case .words(let all, let excluding) = match,
                let allTerms = GRDBTransaction.wordIndexTerms(all), let excludedTerms = GRDBTransaction.wordIndexTerms(excluding)
            else { return (fts5, nil) }
            let memory = world.store.contactWords.ids(all: allTerms, excluding: excludedTerms, companyId: companyId, scopes: scopes, limit: limit)
            return (fts5, memory)
        }
    }

    @Test func everyKindOfMatchFindsWhatFTS5Finds() async throws {
        let world = try await world()
        world.store.contactWords.readAgain()
        #expect(world.store.contactWords.isCurrent)
        let words = Self.words()
        // Thousands of synchronous reads: on a Dispatch thread, not on one of the few cooperative threads the other
        // suites share (holding one for seconds starved them in a loaded CI run).
        let outcome = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Comparisons, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.compareAll(world, words) })
            }
        }
        #expect(outcome.mismatches.isEmpty, "\(outcome.mismatches.prefix(5))")
        // Most words, accented ones included, are answered in memory, and the comparisons found contacts.
        #expect(outcome.folded > words.count * 9 / 10, "\(outcome.folded) of \(words.count)")
        #expect(outcome.compared > 10_000 && outcome.found > 100_000, "\(outcome.compared) comparisons, \(outcome.found) contacts")
    }

    @Test func lookupsByPhoneKeyFindWhatFTS5Finds() async throws {
        let world = try await world()
        world.store.contactWords.readAgain()
        #expect(world.store.contactWords.isCurrent)
        let stored = try world.store.readDatabase { db in try String.fetchAll(db, sql: "SELECT phoneKeys FROM contact ORDER BY id") }
        let keys = stored.flatMap { $0.split(separator: " ").map(String.init) }
        #expect(keys.count > 1_000, "\(keys.count) keys")
        var mismatches: [String] = []
        var found = 0
        var compared = 0
        // Each key alone, with forms nobody has (a key's start, a longer one), and several at once as a lookup asks.
        var rng = SystemRandomNumberGenerator()
        let lookups = keys.map { [$0] } + keys.prefix(200).map { [String($0.dropLast()), $0 + "0", $0] }
            + (0..<200).map { _ in [keys.randomElement(using: &rng)!, keys.randomElement(using: &rng)!] } + [["0"], ["33"]]
            // Keys of more contacts together than the copy sorts (`Words.fewPostings`): it marks a bit set instead.
            + [Array(keys.prefix(ContactWordIndex.Words.fewPostings + 100)), Array(keys.suffix(ContactWordIndex.Words.fewPostings + 100))]
        for lookup in lookups {
            for (companyId, scopes) in [(world.companyId, world.scopes), (world.otherCompanyId, [world.otherScope]), (world.companyId, [world.otherScope])] {
                for limit in [50, 1] {
                    let (fts5, memory) = try Self.both(world, .phoneKey(anyOf: lookup), companyId: companyId, scopes: scopes, limit: limit)
                    guard let memory else {
                        mismatches.append("\(lookup) not answered in memory")
                        continue
                    }
                    if memory != fts5 { mismatches.append("\(lookup) in \(scopes), limit \(limit): \(memory) against FTS5's \(fts5)") }
                    compared += 1
                    found += fts5.count
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(compared > 5_000 && found > 3_000, "\(compared) comparisons, \(found) contacts")
        // A number's key changed by an update is the copy's only once it is read again.
        try await world.store.write { tx in
            guard var contact = try tx.contacts(ids: [1]).first else { return }
            contact.phones = [ContactPhone(kind: .professional, number: "+33 9 99 99 99 99")]
            try tx.updateBatch([contact.indexed(plan: DialingPlanSettings(companyId: world.companyId, domainId: contact.domainId), merge: false)])
        }
        #expect(!world.store.contactWords.isCurrent)
        world.store.contactWords.readAgain()
        let (fts5, memory) = try Self.both(world, .phoneKey(anyOf: ["33999999999"]), companyId: world.companyId, scopes: world.scopes, limit: 50)
        #expect(fts5 == [1] && memory == [1], "\(fts5) / \(String(describing: memory))")
    }

    struct Comparisons: Sendable {
        var mismatches: [String] = []
        var compared = 0
        var found = 0
        var folded = 0
    }

    static func compareAll(_ world: World, _ words: [String]) throws -> Comparisons {
        var rng = SystemRandomNumberGenerator()
        var outcome = Comparisons()
        func check(_ match: ContactMatch, limit: Int = 1_000) throws {
            for (companyId, scopes) in [(world.companyId, world.scopes), (world.companyId, [world.scopes[1]]), (world.otherCompanyId, [world.otherScope]), (world.companyId, [world.otherScope])] {
                let (fts5, memory) = try Self.both(world, match, companyId: companyId, scopes: scopes, limit: limit)
                guard let memory else { continue }
                if memory != fts5 { outcome.mismatches.append("\(match) in \(scopes): \(memory) against FTS5's \(fts5)") }
                outcome.compared += 1
                outcome.found += fts5.count
            }
        }
        for word in words {
            if FTS5Folding.term(of: word) != nil { outcome.folded += 1 }
            let whole = [ContactTerm(word, in: [.name], prefix: false)]
            let start = [ContactTerm(word, in: [.name], prefix: true)]
            let anywhere = [ContactTerm(word, in: ContactSearch.Field.allCases, prefix: true)]
            // The three tiers of a 1-word search, each field alone, and a small limit.
            try check(.words(whole, excluding: []))
            try check(.words(start, excluding: whole))
            try check(.words(anywhere, excluding: start))
            for field in ContactSearch.Field.allCases { try check(.words([ContactTerm(word, in: [field], prefix: true)], excluding: [])) }
            try check(.words(anywhere, excluding: []), limit: 3)
            // Two and three words, as the candidates of a ranked search and as tiers.
            let second = words.randomElement(using: &rng)!
            let third = words.randomElement(using: &rng)!
            let pair = [word, second].map { ContactTerm($0, in: ContactSearch.Field.allCases, prefix: true) }
            try check(.words(pair, excluding: []), limit: 65)
            try check(.words(pair + [ContactTerm(third, in: ContactSearch.Field.allCases, prefix: true)], excluding: []), limit: 257)
            try check(.words([word, second].map { ContactTerm($0, in: [.name], prefix: true) }, excluding: [word, second].map { ContactTerm($0, in: [.name], prefix: false) }))
        }
        return outcome
    }

    @Test func wordsThatFoldOnlyInSQLiteAreLeftToIt() {
        // Decomposed accents, and characters outside the table, are not folded here.
        #expect(FTS5Folding.term(of: "Le\u{301}a") == nil)
        #expect(FTS5Folding.term(of: "王") == nil)
        #expect(FTS5Folding.term(of: "Léa") == "lea")
        #expect(FTS5Folding.term(of: "ÉCOLE") == "ecole")
        #expect(FTS5Folding.term(of: "0155") == "0155")
        #expect(FTS5Folding.term(of: "") == nil)
    }

    @Test func aChangeOfContactsSetsTheCopyAsideUntilItIsReadAgain() async throws {
        let world = try await world()
        world.store.contactWords.readAgain()
        #expect(world.store.contactWords.isCurrent)
        let zyx = ContactMatch.words([ContactTerm("zyx", in: [.name], prefix: true)], excluding: [])
        let directoryId = Int64(world.scopes[0].dropFirst())!
        let created = try await world.store.write { tx in
            let directory = try #require(try tx.directory(id: directoryId))
            return try tx.insert(
                Contact(companyId: directory.companyId, domainId: directory.domainId, directoryId: directoryId, externalId: "new", lastName: "Zyxland", firstName: "Ada")
                    .indexed(plan: DialingPlanSettings(companyId: directory.companyId, domainId: directory.domainId), merge: false)
            )
        }
        // The copy no longer counts; the search still finds the new contact (through SQLite).
        #expect(!world.store.contactWords.isCurrent)
        let found = try await world.store.read { [world] tx in try tx.contacts(matching: zyx, companyId: world.companyId, scopes: world.scopes, limit: 5) }
        #expect(found.map(\.id) == [created.id])
        world.store.contactWords.readAgain()
        #expect(try Self.both(world, zyx, companyId: world.companyId, scopes: world.scopes, limit: 5).memory == [created.id!])
        // A synchronisation that only keeps new source digests changes nothing the copy holds.
        try await world.store.write { tx in try tx.setSourceDigests([(id: created.id!, digest: 42)]) }
        #expect(world.store.contactWords.isCurrent)
        // Deleting the directory's contacts does.
        try await world.store.write { tx in try tx.deleteContacts(directoryId: directoryId) }
        #expect(!world.store.contactWords.isCurrent)
        world.store.contactWords.readAgain()
        #expect(try Self.both(world, zyx, companyId: world.companyId, scopes: world.scopes, limit: 5).memory == [])
    }

    @Test func aDatabaseFileIsReadThroughAConnectionOfItsOwn() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tws-words-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try AppDatabase.open(directory: folder)
        let (companyId, scope) = try await store.write { tx in
            let company = try tx.insert(Company(name: "Acme"))
            let domain = try tx.insert(CompanyDomain(companyId: company.id!, name: "Paris", numberingPlanLength: 4))
            let directory = try tx.insert(Directory(companyId: company.id!, domainId: domain.id!, name: "Sales", kind: .public, source: .csv, priority: 10))
            let plan = DialingPlanSettings(companyId: company.id!, domainId: domain.id!)
            _ = try tx.insertBatch(["Léa Martin", "Jean Dupont", "Jeanne Martinez"].enumerated().map { index, name in
                let parts = name.split(separator: " ").map(String.init)
                return Contact(companyId: company.id!, domainId: domain.id!, directoryId: directory.id!, externalId: "e\(index)", lastName: parts[1], firstName: parts[0])
                    .indexed(plan: plan, merge: false)
            })
            return (company.id!, "d\(directory.id!)")
        }
        store.contactWords.readAgain()
        #expect(store.contactWords.isCurrent)
        let world = World(store: store, companyId: companyId, otherCompanyId: 0, scopes: [scope], otherScope: "")
        let match = ContactMatch.words(["mart", "lea"].map { ContactTerm($0, in: ContactSearch.Field.allCases, prefix: true) }, excluding: [])
        let (fts5, memory) = try Self.both(world, match, companyId: companyId, scopes: [scope], limit: 10)
        #expect(fts5.count == 1 && memory == fts5)
        try store.close()
    }

    @Test func aSearchStartsReadingTheCopyOnceWritesHavePaused() async throws {
        let world = try await world()
        let martin = ContactMatch.words([ContactTerm("martin", in: [.name], prefix: false)], excluding: [])
        // The first search after the writes (just now) is answered by SQLite and reads nothing yet.
        _ = try await world.store.read { [world] tx in try tx.contacts(matching: martin, companyId: world.companyId, scopes: world.scopes, limit: 5) }
        #expect(!world.store.contactWords.isCurrent)
        try await Task.sleep(for: ContactWordIndex.quietPeriod + .milliseconds(100))
        // One later starts the read, in the background.
        try await eventually {
            _ = try await world.store.read { [world] tx in try tx.contacts(matching: martin, companyId: world.companyId, scopes: world.scopes, limit: 5) }
            return world.store.contactWords.isCurrent
        }
    }

    @Test func aSynchronisationComparingRowsHoldsTheReadBack() async throws {
        let world = try await world()
        let martin = ContactMatch.words([ContactTerm("martin", in: [.name], prefix: false)], excluding: [])
        try await Task.sleep(for: ContactWordIndex.quietPeriod + .milliseconds(100))
        // Writes have paused, but a synchronisation compares rows with the stored contacts (writing nothing): a
        // search started now reads nothing in the background.
        _ = try await world.store.read { tx in try tx.syncStates(directoryId: 1, externalIds: ["e0"]) }
        _ = try await world.store.read { [world] tx in try tx.contacts(matching: martin, companyId: world.companyId, scopes: world.scopes, limit: 5) }
        try await Task.sleep(for: .milliseconds(300))
        #expect(!world.store.contactWords.isCurrent)
        // Once the comparisons have paused too, a search starts the read.
        try await Task.sleep(for: ContactWordIndex.quietPeriod)
        try await eventually {
            _ = try await world.store.read { [world] tx in try tx.contacts(matching: martin, companyId: world.companyId, scopes: world.scopes, limit: 5) }
            return world.store.contactWords.isCurrent
        }
    }
}

/// Waits up to 10 s for `condition`.
private func eventually(_ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("condition not met within 10 s")
}

import Domain
import Foundation
import Testing

/// The SQLite behaviours Domain relies on, held by the in-memory store the Domain tests run on: the same checks as
/// StorageTests' AppDatabaseTests where they apply, and the full-text matching of FTS5's unicode61 tokenizer as
/// SQLite answers it (each case below was checked against `contact_fts`'s tokenizer in sqlite3).
@Suite struct InMemoryStoreTests {
    func tenant(_ store: InMemoryStore) async throws -> (Company, CompanyDomain) {
        try await store.write { tx in
            let company = try tx.insert(Company(name: "Acme"))
            return (company, try tx.insert(CompanyDomain(companyId: company.id!, name: "Paris", numberingPlanLength: 4)))
        }
    }

    @Test func duplicateKeysMissingReferencesAndVanishedRowsAnswerAsStorageDoes() async throws {
        let store = InMemoryStore()
        let (company, domain) = try await tenant(store)
        // NOCASE for ASCII letters only, as SQLite's collation.
        let duplicate = await domainError { _ = try await store.write { tx in try tx.insert(Company(name: "ACME")) } }
        #expect(duplicate == .conflict(code: "already_exists", "An object with the same name already exists"))
        _ = try await store.write { tx in try tx.insert(Company(name: "Éclair")) }
        _ = try await store.write { tx in try tx.insert(Company(name: "éclair")) }
        let twice = await domainError {
            _ = try await store.write { tx in try tx.insert(UserGroup(companyId: company.id!, domainId: domain.id!, name: "Sales")) }
            _ = try await store.write { tx in try tx.insert(UserGroup(companyId: company.id!, domainId: domain.id!, name: "sales")) }
        }
        #expect(twice?.message == "An object with the same name already exists")
        // Columns ending in "Id" are not named; a key of nothing else reads "key".
        let session = Session(tokenId: "t", kind: .user, subjectId: 1, companyId: nil, method: "TWS", createdAt: Date(), expiresAt: Date())
        _ = try await store.write { tx in try tx.insert(session) }
        #expect(
            await domainError { _ = try await store.write { tx in try tx.insert(session) } }?.message == "An object with the same key already exists"
        )
        let orphan = await domainError {
            _ = try await store.write { tx in try tx.insert(User(companyId: company.id!, domainId: 999, username: "alice")) }
        }
        #expect(orphan?.code == "reference_missing")
        let gone = await domainError { try await store.write { tx in try tx.update(Company(id: 999, name: "Gone")) } }
        #expect(gone == .notFound("Object"))
    }

    @Test func aFailedWriteLeavesNothingBehindAndReadsCannotWrite() async throws {
        let store = InMemoryStore()
        do {
            _ = try await store.write { tx -> Company in
                _ = try tx.insert(Company(name: "First"))
                return try tx.insert(Company(name: "first"))
            }
        } catch {}
        #expect(try await store.read { tx in try tx.companies(ids: nil, .all).total } == 0)
        await #expect(throws: InMemoryTransaction.ReadOnly.self) { _ = try await store.read { tx in try tx.insert(Company(name: "Read")) } }
        // AUTOINCREMENT: an id is never given twice, even after its row is gone.
        let first = try await store.write { tx in try tx.insert(Company(name: "One")) }
        _ = try await store.write { tx in try tx.deleteCompany(id: first.id!) }
        #expect(try await store.write { tx in try tx.insert(Company(name: "Two")) }.id == first.id! + 1)
    }

    @Test func versionsMoveAfterCommittedChangesToTheirTablesOnly() async throws {
        let store = InMemoryStore()
        let (company, domain) = try await tenant(store)
        let configuration = store.configurationVersion
        let sessions = store.sessionVersion
        _ = try await store.write { tx in try tx.insert(AuditEntry(time: Date(), kind: .logout, username: "alice")) }
        _ = try await store.write { tx in try tx.companies(ids: nil, .all).total }
        _ = try? await store.write { tx -> Company in try tx.insert(Company(name: "acme")) }
        #expect(store.configurationVersion == configuration && store.sessionVersion == sessions)
        _ = try await store.write { tx in try tx.insert(UserGroup(companyId: company.id!, domainId: domain.id!, name: "Sales")) }
        #expect(store.configurationVersion == configuration + 1 && store.sessionVersion == sessions)
        _ = try await store.write { tx in try tx.insert(User(companyId: company.id!, domainId: domain.id!, username: "alice")) }
        #expect(store.configurationVersion == configuration + 2 && store.sessionVersion == sessions + 1)
    }

    @Test func deletingACompanyCascadesAndDeletingAnImportKeepsItsUsers() async throws {
        let store = InMemoryStore()
        let (company, domain) = try await tenant(store)
        let user = try await store.write { tx in
            let source = LDAPSourceSettings(host: "ldap.acme.test", bindDN: "", password: "", baseDN: "dc=acme", filter: "")
            let userImport = try tx.insert(UserImport(companyId: company.id!, domainId: domain.id!, name: "LDAP", kind: .ldap, connection: source))
            let user = try tx.insert(User(companyId: company.id!, domainId: domain.id!, username: "alice", importId: userImport.id))
            _ = try tx.insert(Device(companyId: company.id!, domainId: domain.id!, userId: user.id!, number: "1001"))
            _ = try tx.deleteUserImport(id: userImport.id!)
            return user
        }
        // ON DELETE SET NULL: the user stays, as created by hand.
        let kept = try await store.read { tx in try tx.user(id: user.id!) }
        #expect(kept != nil && kept?.importId == nil)
        _ = try await store.write { tx in try tx.deleteCompany(id: company.id!) }
        let remaining = try await store.read { tx in
            [try tx.allDomains().count, try tx.users(domainId: domain.id!, .all).total, try tx.devices(userId: user.id!).count]
        }
        #expect(remaining == [0, 0, 0])
    }

    @Test(arguments: ["50%", "a_b", "back\\slash"])
    func searchTextIsMatchedLiterally(text: String) async throws {
        let store = InMemoryStore()
        for name in ["Growth 50% club", "Growth 500 club", "a_b corp", "axb corp", "back\\slash ltd", "backslash ltd"] {
            _ = try await store.write { tx in try tx.insert(Company(name: name)) }
        }
        let found = try await store.read { tx in try tx.companies(ids: nil, try PageRequest(search: text)).items.map(\.name) }
        #expect(found.count == 1 && found.first?.contains(text) == true)
    }

    /// Words FTS5 (`unicode61 remove_diacritics 2`) finds, or not, in "Müller Lefe\u{301}vre Øre Łódź straße Ελλάδα jean-pierre".
    @Test(arguments: [
        ("muller", false, true), ("MÜLLER", false, true), ("lefevre", false, true), ("lef", true, true), ("lef", false, false),
        ("ore", false, false), ("øre", false, true), ("lodz", false, false), ("łodz", false, true), ("strasse", false, false),
        ("straße", false, true), ("ελλαδα", false, false), ("ελλάδα", false, true), ("pierre", false, true), ("jean pi", true, true),
        ("pierre jean", false, false),
    ])
    func fullTextMatchingFoldsAsFTS5Does(word: String, prefix: Bool, found: Bool) {
        var contact = Contact(companyId: 1, domainId: 1, directoryId: 1, externalId: "1")
        contact.searchName = "Müller Lefe\u{301}vre Øre Łódź straße Ελλάδα jean-pierre"
        let match = ContactMatch.words([ContactTerm(word, in: [.name], prefix: prefix)], excluding: [])
        #expect(FullTextMatch(match: match).matches(contact) == found)
        // The term never matches another field.
        let elsewhere = ContactMatch.words([ContactTerm(word, in: [.company, .mail, .number], prefix: prefix)], excluding: [])
        #expect(!FullTextMatch(match: elsewhere).matches(contact))
    }
}

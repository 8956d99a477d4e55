import Domain
import Foundation
import GRDB
@testable import Storage
import Testing

/// Contacts are written and read column by column (`Contact+Record.swift`) instead of through Codable: what is stored must be
/// what Codable would store, and read back the same, whatever the text holds.
@Suite struct ContactColumnsTests {
    static let awkward = [
        "plain", "Zoë Ñúñez-O'Brien", "quote \" and backslash \\ and slash /", "line\nbreak\ttab\r\u{01}\u{1F}",
        "emoji 👩🏽‍💼 and 中文", "",
    ]

    func directory(_ store: AppDatabase) async throws -> Directory {
        try await store.write { tx in
            let company = try tx.insert(Company(name: "Acme"))
            let domain = try tx.insert(CompanyDomain(companyId: company.id!, name: "Paris", numberingPlanLength: 4))
            return try tx.insert(
                Directory(companyId: company.id!, domainId: domain.id!, name: "Sales", kind: .public, source: .csv, priority: 30)
            )
        }
    }

    func contact(in directory: Directory, text: String) -> Contact {
        var contact = Contact(
            companyId: directory.companyId, domainId: directory.domainId, directoryId: directory.id!, externalId: "id " + text,
            lastName: text, firstName: "Anna", company: "Acme", phones: [
                ContactPhone(kind: .professional, number: "+33 1 55 17 18 89"), ContactPhone(kind: .mobile, number: text, redListed: true),
            ],
            mail1: "anna@example.org", privateFields: (0..<10).map { $0 == 3 ? text : "field \($0)" }, vip: "VIP gold"
        )
        contact = contact.indexed(plan: DialingPlanSettings(companyId: directory.companyId, domainId: directory.domainId), merge: true)
        contact.syncGeneration = 7
        contact.sourceDigest = -42
        return contact
    }

    @Test(arguments: awkward) func aContactWrittenByColumnsReadsBackTheSame(text: String) async throws {
        let store = try AppDatabase.inMemory()
        let directory = try await directory(store)
        let written = try await store.write { [contact = contact(in: directory, text: text)] tx in try tx.insert(contact) }
        #expect(written.id != nil)
        let read = try await store.read { tx in try tx.contact(id: written.id!) }
        #expect(read == written)
        // Search pages and lookups read their contacts by position straight from SQLite (`init(selectedColumnsOf:)`): the same contact.
        #expect(try await store.read { tx in try tx.contacts(ids: [written.id!]) } == [written])
        let key = try #require(written.phoneKeys.split(separator: " ").first.map(String.init))
        let found = try await store.read { tx in
            try tx.contacts(matching: .phoneKey(anyOf: [key]), companyId: directory.companyId, scopes: [written.scope], limit: 5)
        }
        #expect(found == [written])

        var changed = written
        changed.phones = [ContactPhone(kind: .personal, number: text + " 2")]
        changed.privateFields[9] = text
        try await store.write { [changed] tx in try tx.update(changed) }
        #expect(try await store.read { tx in try tx.contact(id: written.id!) } == changed)
    }

    /// A synchronisation's batch binds each contact's columns itself (`bindColumns`): what it stores reads back the
    /// same, for a private contact (owner set) and a directory one, and both are found in the search index.
    @Test(arguments: awkward) func contactsInsertedInABatchReadBackTheSame(text: String) async throws {
        let store = try AppDatabase.inMemory()
        let directory = try await directory(store)
        let owner = try await store.write { tx in
            try tx.insert(User(companyId: directory.companyId, domainId: directory.domainId, username: "anna", firstName: "Anna"))
        }
        var own = contact(in: directory, text: text + " own")
        own.ownerUserId = owner.id
        own = own.indexed(plan: DialingPlanSettings(companyId: directory.companyId, domainId: directory.domainId), merge: false)
        let batch = [contact(in: directory, text: text), own]
        let inserted = try await store.write { [batch] tx in try tx.insertBatch(batch) }
        #expect(inserted.count == 2)
        for (id, original) in zip(inserted, batch) {
            let expected = { var contact = original; contact.id = id; return contact }()
            #expect(try await store.read { tx in try tx.contact(id: id) } == expected)
            let found = try await store.read { tx in
                try tx.contacts(matching: .words([ContactTerm("Anna", in: [.name], prefix: false)], excluding: []), companyId: directory.companyId,
                                scopes: [expected.scope], limit: 5)
            }
            #expect(found == [expected])
        }
    }

    @Test(arguments: awkward) func theStoredColumnsAreWhatCodableStores(text: String) async throws {
        let store = try AppDatabase.inMemory()
        let contact = contact(in: try await directory(store), text: text)
        // GRDB's own encoding of nested values: JSON with sorted keys.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let (storedPhones, storedFields) = try await store.write { [contact] tx -> (String, String) in
            let inserted = try tx.insert(contact)
            let grdb = try #require(tx as? GRDBTransaction)
            let row = try #require(try Row.fetchOne(grdb.db, sql: "SELECT phones, privateFields FROM contact WHERE id = ?", arguments: [inserted.id]))
            return (row["phones"] ?? "", row["privateFields"] ?? "")
        }
        #expect(try JSONDecoder().decode([ContactPhone].self, from: Data(storedPhones.utf8)) == contact.phones)
        #expect(try JSONDecoder().decode([String].self, from: Data(storedFields.utf8)) == contact.privateFields)
        if !text.contains("/") {  // JSONEncoder writes "/" as "\/"; both read back as "/"
            #expect(storedPhones == String(decoding: try encoder.encode(contact.phones), as: UTF8.self))
            #expect(storedFields == String(decoding: try encoder.encode(contact.privateFields), as: UTF8.self))
        }
    }

    @Test func contactsStoredThroughCodableStillRead() async throws {
        let store = try AppDatabase.inMemory()
        let directory = try await directory(store)
        let original = contact(in: directory, text: "quote \" slash / 👩🏽‍💼")
        // A row as the Codable encoder wrote it (slashes escaped, a space after the separators), then read by columns.
        let id = try await store.write { [original] tx -> Int64 in
            let inserted = try tx.insert(original)
            let grdb = try #require(tx as? GRDBTransaction)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let phones = String(decoding: try encoder.encode(original.phones), as: UTF8.self).replacingOccurrences(of: ",", with: ", ")
            try grdb.db.execute(
                sql: "UPDATE contact SET phones = ?, privateFields = ? WHERE id = ?",
                arguments: [phones, String(decoding: try encoder.encode(original.privateFields), as: UTF8.self), inserted.id!]
            )
            return inserted.id!
        }
        var expected = original
        expected.id = id
        #expect(try await store.read { tx in try tx.contact(id: id) } == expected)
    }

    @Test func aBatchOfContactsIsFoundByTheSearchIndexLikeSingleOnes() async throws {
        let store = try AppDatabase.inMemory()
        let directory = try await directory(store)
        let batch = (0..<50).map { contact(in: directory, text: "Batch\($0)") }
        let single = contact(in: directory, text: "Single")
        let inserted = try await store.write { [batch, single] tx in (try tx.insertBatch(batch), try tx.insert(single)) }
        #expect(Set(inserted.0).count == 50)
        func found(_ match: String) async throws -> [Int64] {
            try await store.writer.read { db in try Int64.fetchAll(db, sql: "SELECT rowid FROM contact_fts WHERE contact_fts MATCH ? ORDER BY rowid", arguments: [match]) }
        }
        #expect(try await found("batch7") == [inserted.0[7]])
        #expect(try await found("single") == [inserted.1.id!])
        #expect(try await found("anna").count == 51)
        // Changed and deleted rows leave no stale index entries, whichever way they were inserted.
        var renamed = batch[3]
        renamed.id = inserted.0[3]
        renamed.lastName = "Renamed"
        renamed = renamed.indexed(plan: DialingPlanSettings(companyId: directory.companyId, domainId: directory.domainId), merge: true)
        try await store.write { [renamed, inserted] tx in
            try tx.update(renamed)
            _ = try tx.deleteContact(id: inserted.0[4])
            _ = try tx.deleteContact(id: inserted.1.id!)
        }
        #expect(try await found("batch3").isEmpty)
        #expect(try await found("renamed") == [renamed.id!])
        #expect(try await found("batch4 OR single").isEmpty)
        try await store.write { tx in
            guard let grdb = tx as? GRDBTransaction else { return }
            try grdb.db.execute(sql: "INSERT INTO contact_fts(contact_fts) VALUES ('integrity-check')")
        }
    }

    /// FTS5 writes a transaction's new entries as one segment once they reach its hash size: a synchronisation's
    /// batch of 10,000 contacts fits in 8 MiB (32 MiB wrote exactly as much), where the default 1 MiB made several
    /// segments for merges to rewrite.
    @Test func theSearchIndexHoldsABatchsEntriesInOneSegment() async throws {
        let store = try AppDatabase.inMemory()
        let size = try await store.writer.read { db in try Int.fetchOne(db, sql: "SELECT v FROM contact_fts_config WHERE k = 'hashsize'") }
        #expect(size == 8 << 20)
    }

    @Test func aBatchOfChangedContactsIsReindexedTogetherAndLaterSingleUpdatesStillIndex() async throws {
        let store = try AppDatabase.inMemory()
        let directory = try await directory(store)
        let plan = DialingPlanSettings(companyId: directory.companyId, domainId: directory.domainId)
        let batch = (0..<40).map { contact(in: directory, text: "Batch\($0)") }
        let ids = try await store.write { [batch] tx in try tx.insertBatch(batch) }
        func found(_ match: String) async throws -> [Int64] {
            try await store.writer.read { db in try Int64.fetchAll(db, sql: "SELECT rowid FROM contact_fts WHERE contact_fts MATCH ? ORDER BY rowid", arguments: [match]) }
        }
        // Every third contact renamed by one batch (out of id order, as a source may give them), with a source digest.
        var changed = stride(from: 0, to: 40, by: 3).map { index in
            var contact = batch[index]
            contact.id = ids[index]
            contact.lastName = "Moved\(index)"
            contact.sourceDigest = Int64(index + 1)
            return contact.indexed(plan: plan, merge: true)
        }
        changed.reverse()
        let states = try await store.write { [changed, directory] tx in
            try tx.updateBatch(changed)
            return try tx.syncStates(directoryId: directory.id!, externalIds: changed.map(\.externalId) + ["nobody"])
        }
        #expect(states.count == changed.count)
        #expect(Set(states.map(\.sourceDigest)) == Set(changed.map(\.sourceDigest)))
        // Each row's columns were bound from its contact (`bindColumns`, the id last): every one reads back the same.
        let stored = try await store.read { [changed] tx in try tx.contacts(ids: changed.map { $0.id! }) }
        #expect(Dictionary(uniqueKeysWithValues: stored.map { ($0.id!, $0) }) == Dictionary(uniqueKeysWithValues: changed.map { ($0.id!, $0) }))
        #expect(try await found("batch3").isEmpty)
        #expect(try await found("moved3") == [ids[3]])
        #expect(try await found("batch4") == [ids[4]])
        #expect(try await found("anna").count == 40)
        // A row written by a batch and then on its own is indexed by the trigger again.
        var again = changed[0]
        again.lastName = "Again"
        again = again.indexed(plan: plan, merge: true)
        try await store.write { [again] tx in
            try tx.update(again)
            try tx.setSourceDigests([(ids[1], 77)])
        }
        #expect(try await found("again") == [again.id!])
        #expect(try await found("moved39").isEmpty)
        let redigested = try await store.read { tx in try tx.contact(id: ids[1]) }
        #expect(redigested?.sourceDigest == 77 && redigested?.lastName == "Batch1")
        try await store.write { tx in
            guard let grdb = tx as? GRDBTransaction else { return }
            try grdb.db.execute(sql: "INSERT INTO contact_fts(contact_fts) VALUES ('integrity-check')")
        }
        // A batch does not move a contact to another directory or ID: such a row is not found, and nothing of the
        // batch is written (its transaction rolls back).
        var moved = changed[1]
        moved.externalId = "elsewhere"
        moved.lastName = "Elsewhere"
        var renamed = changed[2]
        renamed.lastName = "Renamed"
        await #expect(throws: (any Error).self) { try await store.write { [renamed, moved] tx in try tx.updateBatch([renamed, moved]) } }
        var otherDirectory = changed[2]
        otherDirectory.directoryId += 1000
        await #expect(throws: (any Error).self) { try await store.write { [otherDirectory] tx in try tx.updateBatch([otherDirectory]) } }
        #expect(try await found("renamed").isEmpty)
        #expect(try await found("elsewhere").isEmpty)
        let kept = try await store.read { [moved] tx in try tx.contact(id: moved.id!) }
        #expect(kept?.externalId == changed[1].externalId && kept?.lastName == changed[1].lastName)
    }

    @Test func updatingAContactThatIsGoneIsNotFound() async throws {
        let store = try AppDatabase.inMemory()
        var contact = contact(in: try await directory(store), text: "gone")
        contact.id = 4242
        await #expect(throws: DomainError.self) { try await store.write { [contact] tx in try tx.update(contact) } }
    }
    /// Phone lists are read member by member (`JSONText.decodeObjects`); any JSON form of them reads as JSONDecoder
    /// reads it, whether the fast reader takes it (members in any order, spaces, escapes) or hands it on (an extra or
    /// repeated member).
    @Test(arguments: [
        #"[]"#, #" [ ] "#,
        #"[{"kind":"professional","number":"+33 1 55 17 18 89","redListed":false}]"#,
        #"[{"redListed":true,"number":"0155\/17 \"18\" \u00e9\ud83d\ude00","kind":"mobile"},{"kind":"personal","number":"","redListed":false}]"#,
        #" [ { "kind" : "assistant" , "number" : "12" , "redListed" : true } ] "#,
        #"[{"kind":"mobile","number":"1","redListed":false,"label":"extra"}]"#,
        #"[{"kind":"mobile","number":"1","number":"2","redListed":false}]"#,
    ])
    func phoneListsReadAsJSONDecoderReadsThem(text: String) throws {
        let expected = try JSONDecoder().decode([ContactPhone].self, from: Data(text.utf8))
        #expect(try Contact.phones(fromJSON: text) == expected)
    }

    @Test(arguments: [#"[{"kind":"radio","number":"1","redListed":false}]"#, #"[{"kind":"mobile","number":1,"redListed":false}]"#, #"[{"#, #"{}"#])
    func brokenPhoneListsAreRefused(text: String) {
        #expect(throws: (any Error).self) { try Contact.phones(fromJSON: text) }
    }

    @Test(arguments: [#"[]"#, #"["a"]"#, #" [ "a" , "" , "q\"\\\/\n\u00e9\ud83d\ude00 ok" ] "#, #"["x","x","x","x","x","x","x","x","x","x"]"#])
    func fieldListsReadAsJSONDecoderReadsThem(text: String) throws {
        #expect(try Contact.texts(fromJSON: text) == (try JSONDecoder().decode([String].self, from: Data(text.utf8))))
    }

    @Test(arguments: [#"["a",1]"#, #"["a""#, #"[null]"#, #"["\ud83d"]"#, #"{}"#])
    func brokenFieldListsAreRefused(text: String) {
        #expect(throws: (any Error).self) { try Contact.texts(fromJSON: text) }
    }
}

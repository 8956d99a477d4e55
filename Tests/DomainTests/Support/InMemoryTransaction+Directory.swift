import Domain

// Filters and orders as in Storage's GRDBTransaction+DirectoryRecords.swift and +ContactIndex.swift; the full-text
// part is `FullTextMatch`.

extension InMemoryTransaction: DirectoryRecords {
    func directory(id: Int64) throws -> Directory? { row(id: id) }
    func insert(_ record: Directory) throws -> Directory { try inserted(record) }
    func update(_ record: Directory) throws { try updated(record) }
    func deleteDirectory(id: Int64) throws -> Bool { try deleted(Directory.self, id: id) }

    func contact(id: Int64) throws -> Contact? { row(id: id) }
    func insert(_ record: Contact) throws -> Contact { try inserted(record) }
    func update(_ record: Contact) throws { try updated(record) }
    func deleteContact(id: Int64) throws -> Bool { try deleted(Contact.self, id: id) }

    func contactList(id: Int64) throws -> ContactList? { row(id: id) }
    func insert(_ record: ContactList) throws -> ContactList { try inserted(record) }
    func update(_ record: ContactList) throws { try updated(record) }
    func deleteContactList(id: Int64) throws -> Bool { try deleted(ContactList.self, id: id) }

    func directories(domainId: Int64) throws -> [Directory] {
        rows(Directory.self).filter { $0.domainId == domainId }.ordered(by: [.integer { Int64($0.priority) }, .id])
    }

    func activeDirectories() throws -> [Directory] { rows(Directory.self).filter { $0.kind != .draft } }

    func directories(companyId: Int64, ids: [Int64]) throws -> [Directory] {
        rows(Directory.self).filter { $0.companyId == companyId && ids.contains($0.id!) }
    }

    func privateDirectory(domainId: Int64) throws -> Directory? {
        rows(Directory.self).first { $0.domainId == domainId && $0.source == .twsPrivate }
    }

    func contactLists(ownerUserId: Int64) throws -> [ContactList] {
        rows(ContactList.self).filter { $0.ownerUserId == ownerUserId }.ordered(by: [.caseless { $0.name }, .id])
    }

    func publicContactLists(domainId: Int64) throws -> [ContactList] {
        rows(ContactList.self).filter { $0.domainId == domainId && $0.isPublic }.ordered(by: [.caseless { $0.name }, .id])
    }

    func contactListCount(ownerUserId: Int64) throws -> Int { rows(ContactList.self).filter { $0.ownerUserId == ownerUserId }.count }
}

extension InMemoryTransaction: ContactIndex {
    func contacts(matching match: ContactMatch, companyId: Int64, scopes: [String], limit: Int) throws -> [Contact] {
        let matcher = FullTextMatch(match: match)
        // In rowid order, stopping at the limit, as the FTS5 query does.
        var found: [Contact] = []
        for contact in rows(Contact.self) where limit < 0 || found.count < limit {
            guard contact.companyId == companyId, scopes.contains(where: { SQLiteText.equal($0, contact.scope) }), matcher.matches(contact)
            else { continue }
            found.append(contact)
        }
        return found
    }

    func contactNames(matching match: ContactMatch, companyId: Int64, scopes: [String], limit: Int) throws -> [(id: Int64, name: String)] {
        try contacts(matching: match, companyId: companyId, scopes: scopes, limit: limit).map { ($0.id!, $0.searchName) }
    }

    func contacts(ids: [Int64]) throws -> [Contact] {
        rows(Contact.self).filter { ids.contains($0.id!) }
    }

    func contacts(companyId: Int64, mergeKeys: [String]) throws -> [Contact] {
        rows(Contact.self).filter { contact in contact.companyId == companyId && mergeKeys.contains { SQLiteText.equal($0, contact.mergeKey) } }
    }

    func contacts(directoryId: Int64) throws -> [Contact] { rows(Contact.self).filter { $0.directoryId == directoryId } }

    func contacts(directoryId: Int64, externalIds: [String]) throws -> [Contact] {
        rows(Contact.self).filter { contact in
            contact.directoryId == directoryId && externalIds.contains { SQLiteText.equal($0, contact.externalId) }
        }
    }

    func contacts(directoryId: Int64, _ page: PageRequest) throws -> Page<Contact> {
        self.page(
            rows(Contact.self).filter { $0.directoryId == directoryId }.ordered(by: [.caseless { $0.lastName }, .caseless { $0.firstName }, .id]),
            page,
            searching: [{ $0.lastName }, { $0.firstName }, { $0.company }, { $0.mail1 }]
        )
    }

    func privateContacts(ownerUserId: Int64, directoryId: Int64) throws -> [Contact] {
        rows(Contact.self).filter { $0.ownerUserId == ownerUserId && $0.directoryId == directoryId }
            .ordered(by: [.caseless { $0.lastName }, .caseless { $0.firstName }, .id])
    }

    func privateContactCount(ownerUserId: Int64) throws -> Int { rows(Contact.self).filter { $0.ownerUserId == ownerUserId }.count }

    func insertBatch(_ contacts: [Contact]) throws -> [Int64] {
        // Each row is checked as an INSERT is; the index follows the rows here, so there is nothing more to write.
        try contacts.map { try inserted($0).id! }
    }

    func syncStates(directoryId: Int64, externalIds: [String]) throws -> [ContactSyncState] {
        try contacts(directoryId: directoryId, externalIds: externalIds).map { contact in
            ContactSyncState(
                id: contact.id!, externalId: contact.externalId, sourceDigest: contact.sourceDigest, contentHash: contact.contentHash,
                mergeKey: contact.mergeKey, phoneKeys: contact.phoneKeys
            )
        }
    }

    func updateBatch(_ contacts: [Contact]) throws {
        for contact in contacts { try updated(contact) }
    }

    func setSourceDigests(_ digests: [(id: Int64, digest: Int64)]) throws {
        let digests = Dictionary(digests.map { ($0.id, $0.digest) }, uniquingKeysWith: { _, last in last })
        _ = try updateAll(Contact.self, where: { digests[$0.id!] != nil }) { contact in contact.sourceDigest = digests[contact.id!]! }
    }

    func deleteContacts(directoryId: Int64, keeping kept: Set<Int64>) throws -> Int {
        try deleteAll(Contact.self) { $0.directoryId == directoryId && !kept.contains($0.id!) }
    }

    func deleteContacts(directoryId: Int64) throws {
        try deleteAll(Contact.self) { $0.directoryId == directoryId }
    }
}

import Foundation
import Synchronization

/// Directory search, reverse lookup, private contacts and contact lists for users (admin guide 8, 9.1.1).
///
/// Every read starts from `DirectoryAccess`: a contact is found only through the scope tokens of the directories the
/// user may read (their company's, never another's), so rights are enforced by the query itself, and checked again
/// on each result.
public struct DirectoryService: Sendable {
    public let store: any TenantStore
    /// Each user's readable directories and parameters, and each domain's dialing plan, kept until configuration
    /// changes: without them every search and lookup decoded every readable directory's field map and compiled the
    /// dialing plan again.
    let accesses = VersionedCache<Int64, DirectoryAccess>()
    /// Who holds Caller or Toolkit, kept the same way (every search and lookup asks).
    let applications = ApplicationChecks()
    let plans: DialingPlans

    /// - Parameter plans: the server's shared dialing plans (a service of its own when not given).
    public init(store: any TenantStore, plans: DialingPlans? = nil) {
        self.store = store
        self.plans = plans ?? DialingPlans(store: store)
    }

    /// What `userId` may read, as of `version` (read before the transaction `tx` began).
    func access(_ userId: Int64, version: UInt64, _ tx: any StoreTransaction) throws -> DirectoryAccess {
        try accesses.value(userId, version: version) { try DirectoryAccess.of(userId: userId, tx) }
    }

    // MARK: - Search

    /// What a reader may find: contacts of their company in the directories of these scope tokens.
    struct Readable {
        var companyId: Int64
        var scopes: [String]
    }

    public func search(_ principal: UserPrincipal, _ search: ContactSearch) async throws -> ContactSearchResult {
        try await store.read { [version = store.configurationVersion] tx in
            try applications.require(.telephony, principal: principal, version: version, tx)
            let access = try access(principal.userId, version: version, tx)
            if !search.fields.isEmpty, !access.mayAdvancedSearch {
                throw DomainError.forbidden(code: "advanced_search_not_allowed", "Advanced search is not allowed for this user")
            }
            var scopes = access.scopeTokens
            if let directoryId = search.directoryId {
                guard access.directories[directoryId] != nil || access.privateDirectory?.id == directoryId else {
                    throw DomainError.notFound("Directory")
                }
                scopes = access.directories[directoryId] != nil ? ["d\(directoryId)"] : ["u\(principal.userId)"]
            }
            guard !scopes.isEmpty, !search.isEmpty else { return ContactSearchResult(cards: [], offset: search.offset, limit: search.limit, hasMore: false) }
            let readable = Readable(companyId: principal.companyId, scopes: scopes)
            let (page, hasMore) = try Self.rankedPage(search, readable, tx) ?? Self.tieredPage(search, readable, tx)
            return ContactSearchResult(
                cards: try Self.cards(page, access: access, showInvisible: false, tx),
                offset: search.offset,
                limit: search.limit,
                hasMore: hasMore
            )
        }
    }

    /// A page of a search of several words with few matches: ids and names of all of them read at once and ranked in
    /// the tiers' order here, whole contacts read for the page only. Nil for other searches, or too many matches.
    static func rankedPage(_ search: ContactSearch, _ readable: Readable, _ tx: any StoreTransaction) throws -> ([Contact], Bool)? {
        guard let candidates = search.candidates() else { return nil }
        let words = search.foldedWords()
        let bound = ContactSearch.rankedCandidates(words: words.count)
        let matches = try tx.contactNames(matching: candidates, companyId: readable.companyId, scopes: readable.scopes, limit: bound + 1)
        guard matches.count <= bound else { return nil }
        let ranked = matches.enumerated().map { (ContactSearch.tier(ofName: $0.element.name, words: words), $0.offset, $0.element.id) }
            .sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
        let pageIds = Array(ranked.dropFirst(search.offset).prefix(search.limit))
        let contacts = try tx.contacts(ids: pageIds)
        let byId = Dictionary(contacts.map { ($0.id ?? 0, $0) }, uniquingKeysWith: { first, _ in first })
        return (pageIds.compactMap { byId[$0] }, ranked.count > search.offset + search.limit)
    }

    /// A page read tier after tier until it (and one more row, to know whether another page exists) is full.
    static func tieredPage(_ search: ContactSearch, _ readable: Readable, _ tx: any StoreTransaction) throws -> ([Contact], Bool) {
        let wanted = search.offset + search.limit + 1
        var found: [Contact] = []
        for tier in search.tiers() where found.count < wanted {
            found += try tx.contacts(matching: tier, companyId: readable.companyId, scopes: readable.scopes, limit: wanted - found.count)
        }
        return (Array(found.dropFirst(search.offset).prefix(search.limit)), found.count > search.offset + search.limit)
    }

    /// One contact's card (merged), when the user may read it.
    public func contact(_ principal: UserPrincipal, id: Int64) async throws -> ContactCard {
        try await store.read { [version = store.configurationVersion] tx in
            try applications.require(.telephony, principal: principal, version: version, tx)
            let access = try access(principal.userId, version: version, tx)
            guard let contact = try tx.contact(id: id), contact.companyId == principal.companyId, access.directory(of: contact) != nil
            else { throw DomainError.notFound("Contact") }
            return try Self.cards([contact], access: access, showInvisible: false, tx)[0]
        }
    }

    // MARK: - Reverse lookup

    /// The contact a number belongs to, in the directories the user may read: the number is normalised with the
    /// user's domain dialing plan, so every way of writing it finds the same contact; the lowest priority number wins.
    /// Red-listed numbers are found too (the name is shown, the number never sent).
    public func lookup(_ principal: UserPrincipal, number: String) async throws -> CallerIdentity? {
        try lookupNow(principal, number: number)
    }

    /// `lookup` on the caller's thread, without suspending: the HTTP event loop answers lookups with it
    /// (`DirectoryLookupHandler`). The same checks, rights and reads.
    public func lookupNow(_ principal: UserPrincipal, number: String) throws -> CallerIdentity? {
        guard number.unicodeScalars.count <= DialingPlan.maxNumberLength else { throw DomainError.invalid(field: "number", "A number takes at most 64 characters") }
        guard number.unicodeScalars.contains(where: \.isASCIIDigit) else { throw DomainError.invalid(field: "number", "number must hold digits") }
        let version = store.configurationVersion
        return try store.readNow { tx in
            try applications.require(.telephony, principal: principal, version: version, tx)
            let access = try access(principal.userId, version: version, tx)
            let plan = try plans.plan(domainId: principal.domainId, version: version, tx)
            return try Self.lookup(number, plan: plan, access: access, companyId: principal.companyId, tx)
        }
    }

    /// The lookup behind incoming calls: a device's owner's directories, or for a phone queue's or intercom group's
    /// device those authorised to it.
    static func lookup(
        _ number: String,
        plan: DialingPlan,
        access: DirectoryAccess,
        companyId: Int64,
        _ tx: any StoreTransaction
    ) throws
        -> CallerIdentity?
    {
        // Foundation's replacing cost 2% of a lookup's CPU for numbers that nearly never hold a "(".
        let reverse = plan.reverse(number.utf8.contains(UInt8(ascii: "(")) ? number.replacingOccurrences(of: "(0)", with: "") : number)
        var keys: [String] = []
        // The number as written first: the dialing plan's clean-up keeps the "(0)" of "+33 (0)1 …" as a digit.
        for form in [number] + reverse.searchKeys {
            if let key = PhoneKey.key(form, plan: plan.settings), !keys.contains(key) { keys.append(key) }
        }
        let scopes = access.scopeTokens
        guard !keys.isEmpty, !scopes.isEmpty else { return nil }
        let found = try tx.contacts(matching: .phoneKey(anyOf: keys), companyId: companyId, scopes: scopes, limit: 50)
        // Lowest priority number first, then the contact stored first.
        let best = found.enumerated().compactMap { offset, contact in access.directory(of: contact).map { (offset, contact, $0) } }
            .min { ($0.2.priority, $0.0) < ($1.2.priority, $1.0) }
        guard let (_, contact, _) = best else { return nil }
        let card = try cards([contact], access: access, showInvisible: true, tx)[0]
        var foundIn: [String] = []
        for directory in found.compactMap({ access.directory(of: $0) }).sorted(by: { ($0.priority, $0.id ?? 0) < ($1.priority, $1.id ?? 0) })
        where !foundIn.contains(directory.name) {
            foundIn.append(directory.name)
        }
        return CallerIdentity(
            number: reverse.number,
            name: card.displayName.isEmpty ? (card.company ?? "") : card.displayName,
            company: card.company,
            card: card,
            foundIn: foundIn
        )
    }

    // MARK: - Cards

    /// Cards for contacts in the given order: a merge-enabled contact gathers the contacts of other readable
    /// merge-enabled directories with the same e-mail address; a contact already shown in an earlier card is skipped.
    static func cards(_ contacts: [Contact], access: DirectoryAccess, showInvisible: Bool, _ tx: any StoreTransaction) throws -> [ContactCard] {
        // Partners are read only when a readable directory merges at all: most readers have none that does, and the
        // read was one more SQLite statement per search.
        let merging = access.directories.values.contains(where: \.mergeContacts) || access.privateDirectory?.mergeContacts == true
        let mergeKeys = merging ? Set(contacts.filter { !$0.mergeKey.isEmpty }.map(\.mergeKey)) : []
        var partners: [String: [Contact]] = [:]
        if !mergeKeys.isEmpty, let companyId = contacts.first?.companyId {
            let others = try tx.contacts(companyId: companyId, mergeKeys: mergeKeys.sorted())
            for other in others where access.directory(of: other)?.mergeContacts == true {
                partners[other.mergeKey, default: []].append(other)
            }
        }
        var shown = Set<Int64>()
        var cards: [ContactCard] = []
        for contact in contacts {
            guard let id = contact.id, !shown.contains(id), let directory = access.directory(of: contact) else { continue }
            var group: [(Contact, Directory)] = [(contact, directory)]
            if directory.mergeContacts, !contact.mergeKey.isEmpty {
                for other in partners[contact.mergeKey] ?? [] where other.id != id {
                    if let otherDirectory = access.directory(of: other) { group.append((other, otherDirectory)) }
                }
                group.sort { ($0.1.priority, $0.0.id ?? 0) < ($1.1.priority, $1.0.id ?? 0) }
            }
            for (member, _) in group { shown.insert(member.id ?? 0) }
            cards.append(ContactCard.merging(group, showInvisible: showInvisible, mapServiceURL: access.mapServiceURL))
        }
        return cards
    }

    // MARK: - Private contacts (admin guide 9.1.1)

    /// The user's private contacts, by name.
    public func privateContacts(_ principal: UserPrincipal) async throws -> [ContactCard] {
        try await store.read { [version = store.configurationVersion] tx in
            try applications.require(.telephony, principal: principal, version: version, tx)
            let access = try access(principal.userId, version: version, tx)
            guard let directory = access.privateDirectory else { return [] }
            let contacts = try tx.privateContacts(ownerUserId: principal.userId, directoryId: directory.id!)
            return try Self.cards(contacts, access: access, showInvisible: true, tx)
        }
    }

    public func createPrivateContact(_ principal: UserPrincipal, _ changes: ContactChanges) async throws -> ContactCard {
        try await store.write { tx in
            try ApplicationAccess.require(.telephony, principal: principal, tx)
            let (access, directory) = try Self.privateDirectoryForEditing(principal, tx)
            var contact = Contact(
                companyId: principal.companyId,
                domainId: directory.domainId,
                directoryId: directory.id!,
                ownerUserId: principal.userId,
                externalId: UUID().uuidString
            )
            try changes.apply(to: &contact)
            guard try tx.privateContactCount(ownerUserId: principal.userId) < Self.maxPrivateContacts else {
                throw DomainError.conflict(code: "too_many_contacts", "A user keeps at most \(Self.maxPrivateContacts) private contacts")
            }
            let plan = try DialingPlanStore.plan(domainId: directory.domainId, tx).settings
            let saved = try tx.insert(contact.indexed(plan: plan, merge: directory.mergeContacts))
            return try Self.cards([saved], access: access, showInvisible: true, tx)[0]
        }
    }

    public func updatePrivateContact(_ principal: UserPrincipal, id: Int64, _ changes: ContactChanges) async throws -> ContactCard {
        try await store.write { tx in
            try ApplicationAccess.require(.telephony, principal: principal, tx)
            let (access, directory) = try Self.privateDirectoryForEditing(principal, tx)
            var contact = try Self.ownPrivateContact(principal, id: id, tx)
            try changes.apply(to: &contact)
            let plan = try DialingPlanStore.plan(domainId: directory.domainId, tx).settings
            let saved = contact.indexed(plan: plan, merge: directory.mergeContacts)
            try tx.update(saved)
            return try Self.cards([saved], access: access, showInvisible: true, tx)[0]
        }
    }

    public func deletePrivateContact(_ principal: UserPrincipal, id: Int64) async throws {
        try await store.write { tx in
            try ApplicationAccess.require(.telephony, principal: principal, tx)
            _ = try Self.privateDirectoryForEditing(principal, tx)
            let contact = try Self.ownPrivateContact(principal, id: id, tx)
            try tx.deleteContact(id: contact.id!)
        }
    }

    static var maxPrivateContacts: Int { 5_000 }

    private static func privateDirectoryForEditing(_ principal: UserPrincipal, _ tx: any StoreTransaction) throws -> (DirectoryAccess, Directory) {
        let access = try DirectoryAccess.of(userId: principal.userId, tx)
        guard let directory = access.privateDirectory else {
            throw DomainError.forbidden(code: "private_contacts_not_allowed", "Private contacts need the right to the TWS private directory")
        }
        guard access.mayEditPrivateContacts else {
            throw DomainError.forbidden(code: "private_contacts_not_allowed", "Creating private contacts is not allowed (AuthorizeContactFavorite)")
        }
        return (access, directory)
    }

    private static func ownPrivateContact(_ principal: UserPrincipal, id: Int64, _ tx: any StoreTransaction) throws -> Contact {
        guard let contact = try tx.contact(id: id), contact.ownerUserId == principal.userId else {
            throw DomainError.notFound("Contact")
        }
        return contact
    }

    // MARK: - Contact lists

    /// The user's lists and the public lists of their domain, with the members they may see.
    public func contactLists(_ principal: UserPrincipal) async throws -> [ContactListView] {
        try await store.read { [version = store.configurationVersion] tx in
            try applications.require(.telephony, principal: principal, version: version, tx)
            let access = try access(principal.userId, version: version, tx)
            let own = try tx.contactLists(ownerUserId: principal.userId)
            let shared = try tx.publicContactLists(domainId: principal.domainId).filter { $0.ownerUserId != principal.userId }
            return try (own + shared).map { try Self.view($0, access: access, principal: principal, tx) }
        }
    }

    public func createContactList(_ principal: UserPrincipal, name: String, isPublic: Bool, contactIds: [Int64]) async throws -> ContactListView {
        try await store.write { tx in
            try ApplicationAccess.require(.telephony, principal: principal, tx)
            let access = try DirectoryAccess.of(userId: principal.userId, tx)
            if isPublic, !access.mayPublishLists {
                throw DomainError.forbidden(code: "public_list_not_allowed", "Making a list public is not allowed (AuthorizePublicList)")
            }
            guard try tx.contactListCount(ownerUserId: principal.userId) < 100 else {
                throw DomainError.conflict(code: "too_many_lists", "A user keeps at most 100 contact lists")
            }
            let list = ContactList(
                companyId: principal.companyId,
                domainId: principal.domainId,
                ownerUserId: principal.userId,
                name: try Check.name(name, field: "name"),
                isPublic: isPublic,
                contactIds: try Self.readableMembers(contactIds, access: access, principal: principal, tx)
            )
            return try Self.view(try tx.insert(list), access: access, principal: principal, tx)
        }
    }

    public func updateContactList(
        _ principal: UserPrincipal,
        id: Int64,
        name: String?,
        isPublic: Bool?,
        contactIds: [Int64]?
    ) async throws
        -> ContactListView
    {
        try await store.write { tx in
            try ApplicationAccess.require(.telephony, principal: principal, tx)
            let access = try DirectoryAccess.of(userId: principal.userId, tx)
            guard var list = try tx.contactList(id: id), list.ownerUserId == principal.userId else {
                throw DomainError.notFound("Contact list")
            }
            if let name { list.name = try Check.name(name, field: "name") }
            if let isPublic {
                if isPublic, !list.isPublic, !access.mayPublishLists {
                    throw DomainError.forbidden(code: "public_list_not_allowed", "Making a list public is not allowed (AuthorizePublicList)")
                }
                list.isPublic = isPublic
            }
            if let contactIds { list.contactIds = try Self.readableMembers(contactIds, access: access, principal: principal, tx) }
            try tx.update(list)
            return try Self.view(list, access: access, principal: principal, tx)
        }
    }

    public func deleteContactList(_ principal: UserPrincipal, id: Int64) async throws {
        try await store.write { tx in
            try ApplicationAccess.require(.telephony, principal: principal, tx)
            guard let list = try tx.contactList(id: id), list.ownerUserId == principal.userId else {
                throw DomainError.notFound("Contact list")
            }
            try tx.deleteContactList(id: list.id!)
        }
    }

    /// A list may only name contacts its owner can read; an unknown or unreadable id is an error naming it.
    private static func readableMembers(
        _ ids: [Int64],
        access: DirectoryAccess,
        principal: UserPrincipal,
        _ tx: any StoreTransaction
    ) throws
        -> [Int64]
    {
        var unique: [Int64] = []
        for id in ids where !unique.contains(id) { unique.append(id) }
        guard unique.count <= ContactList.maxContacts else {
            throw DomainError.invalid(field: "contactIds", "A list holds at most \(ContactList.maxContacts) contacts")
        }
        let contacts = try tx.contacts(ids: unique)
        for id in unique {
            guard let contact = contacts.first(where: { $0.id == id }), contact.companyId == principal.companyId, access.directory(of: contact) != nil
            else { throw DomainError.missing(field: "contactIds", "Contact \(id) does not exist or is not readable") }
        }
        return unique
    }

    private static func view(
        _ list: ContactList,
        access: DirectoryAccess,
        principal: UserPrincipal,
        _ tx: any StoreTransaction
    ) throws
        -> ContactListView
    {
        let contacts = try tx.contacts(ids: list.contactIds)
        // Members in the list's order; those gone (deleted by a synchronisation) or unreadable by this reader left out.
        let ordered = list.contactIds.compactMap { id in contacts.first { $0.id == id && $0.companyId == principal.companyId } }
        return ContactListView(
            list: list,
            cards: try cards(ordered, access: access, showInvisible: false, tx),
            owned: list.ownerUserId == principal.userId
        )
    }
}

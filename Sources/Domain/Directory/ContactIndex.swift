/// The contacts of every directory, searchable (Storage implements it over a full-text index).
///
/// `scopes` are the scope tokens of the directories a reader may read (`DirectoryAccess.scopeTokens`): a search finds
/// nothing outside them and outside the reader's company, so rights are part of the query itself.
public protocol ContactIndex {
    /// The contacts `match` finds, in the order they were first stored (their ids), at most `limit`.
    func contacts(matching match: ContactMatch, companyId: Int64, scopes: [String], limit: Int) throws -> [Contact]
    /// The ids and folded-for-search names of the same: enough to rank many matches without reading whole contacts.
    func contactNames(matching match: ContactMatch, companyId: Int64, scopes: [String], limit: Int) throws -> [(id: Int64, name: String)]
    /// The contacts with these ids, in no particular order.
    func contacts(ids: [Int64]) throws -> [Contact]
    /// A company's contacts with these merge keys (e-mail addresses), to merge cards across directories.
    func contacts(companyId: Int64, mergeKeys: [String]) throws -> [Contact]
    func contacts(directoryId: Int64) throws -> [Contact]
    /// A directory's contacts with these ids in its source.
    func contacts(directoryId: Int64, externalIds: [String]) throws -> [Contact]
    /// A page of a directory's contacts by name, searched by names, company and first e-mail address.
    func contacts(directoryId: Int64, _ page: PageRequest) throws -> Page<Contact>
    /// A user's private contacts by name.
    func privateContacts(ownerUserId: Int64, directoryId: Int64) throws -> [Contact]
    func privateContactCount(ownerUserId: Int64) throws -> Int
    /// Inserts a synchronisation's new contacts at once (their index entries written together) and answers their
    /// ids, in their order.
    func insertBatch(_ contacts: [Contact]) throws -> [Int64]
    /// What a synchronisation compares of a directory's contacts with these IDs in its source.
    func syncStates(directoryId: Int64, externalIds: [String]) throws -> [ContactSyncState]
    /// Rewrites a synchronisation's changed contacts (their ids set) at once, their index entries written together.
    /// A contact's company, domain, directory, owner and ID in its source are not rewritten: a contact whose stored
    /// directory or ID differs is not found, and the batch fails.
    func updateBatch(_ contacts: [Contact]) throws
    /// Keeps the new source digests of contacts whose source row changed but not what it maps to; nothing else of
    /// them is rewritten, nor their index entries.
    func setSourceDigests(_ digests: [(id: Int64, digest: Int64)]) throws
    /// Deletes a directory's contacts other than `kept` (those a complete synchronisation did not read); answers how
    /// many.
    func deleteContacts(directoryId: Int64, keeping kept: Set<Int64>) throws -> Int
    func deleteContacts(directoryId: Int64) throws
}

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
    /// Inserts a synchronisation's new contacts at once (their index entries written together) and answers them
    /// with their ids.
    func insertBatch(_ contacts: [Contact]) throws -> [Contact]
    /// Stamps contacts that did not change with a synchronisation's generation, without rewriting them (nor their
    /// index entries); answers how many.
    func stamp(contactIds: [Int64], generation: Int64) throws -> Int
    /// Deletes a directory's contacts of other generations than `generation` (those the last run did not see);
    /// answers how many.
    func deleteContacts(directoryId: Int64, notOfGeneration generation: Int64) throws -> Int
    func deleteContacts(directoryId: Int64) throws
}

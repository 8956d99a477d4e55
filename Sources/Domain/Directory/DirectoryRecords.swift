/// Directories, their contacts and users' contact lists. Storage implements it; a Domain test may use an in-memory one.
public protocol DirectoryRecords {
    func directory(id: Int64) throws -> Directory?
    /// Inserts and answers the record with its new id.
    func insert(_ record: Directory) throws -> Directory
    func update(_ record: Directory) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteDirectory(id: Int64) throws -> Bool

    func contact(id: Int64) throws -> Contact?
    /// Inserts and answers the record with its new id.
    func insert(_ record: Contact) throws -> Contact
    func update(_ record: Contact) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteContact(id: Int64) throws -> Bool

    func contactList(id: Int64) throws -> ContactList?
    /// Inserts and answers the record with its new id.
    func insert(_ record: ContactList) throws -> ContactList
    func update(_ record: ContactList) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteContactList(id: Int64) throws -> Bool

    /// A domain's directories by priority.
    func directories(domainId: Int64) throws -> [Directory]

    /// Every directory that is not a draft.
    func activeDirectories() throws -> [Directory]
    /// A company's directories with these ids.
    func directories(companyId: Int64, ids: [Int64]) throws -> [Directory]
    /// The domain's directory of private contacts.
    func privateDirectory(domainId: Int64) throws -> Directory?
    /// A user's contact lists by name.
    func contactLists(ownerUserId: Int64) throws -> [ContactList]
    /// The public contact lists of a domain by name.
    func publicContactLists(domainId: Int64) throws -> [ContactList]
    func contactListCount(ownerUserId: Int64) throws -> Int
}

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
}

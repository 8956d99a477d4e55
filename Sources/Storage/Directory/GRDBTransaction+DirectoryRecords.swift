import Domain
import GRDB

extension Directory: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "directory"
}


extension ContactList: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "contact_list"
}

extension GRDBTransaction: DirectoryRecords {
    public func directory(id: Int64) throws -> Directory? { try record(id: id) }
    public func insert(_ record: Directory) throws -> Directory { try inserted(record) }
    public func update(_ record: Directory) throws { try updated(record) }
    public func deleteDirectory(id: Int64) throws -> Bool { try deleted(Directory.self, id: id) }

    public func contact(id: Int64) throws -> Contact? { try record(id: id) }
    public func insert(_ record: Contact) throws -> Contact { try inserted(record) }
    public func update(_ record: Contact) throws { try updated(record) }
    public func deleteContact(id: Int64) throws -> Bool { try deleted(Contact.self, id: id) }

    public func contactList(id: Int64) throws -> ContactList? { try record(id: id) }
    public func insert(_ record: ContactList) throws -> ContactList { try inserted(record) }
    public func update(_ record: ContactList) throws { try updated(record) }
    public func deleteContactList(id: Int64) throws -> Bool { try deleted(ContactList.self, id: id) }
}

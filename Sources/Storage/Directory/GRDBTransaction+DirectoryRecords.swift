import Domain
import GRDB

extension Directory: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "directory"
    public enum Columns {
        static let id = Column("id")
        static let companyId = Column("companyId")
        static let domainId = Column("domainId")
        static let kind = Column("kind")
        static let source = Column("source")
        static let priority = Column("priority")
    }
}


extension ContactList: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "contact_list"
    public enum Columns {
        static let id = Column("id")
        static let domainId = Column("domainId")
        static let ownerUserId = Column("ownerUserId")
        static let isPublic = Column("isPublic")
        static let name = Column("name")
    }
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

    public func directories(domainId: Int64) throws -> [Directory] {
        try all(Directory.filter(Directory.Columns.domainId == domainId).order(Directory.Columns.priority, Directory.Columns.id))
    }

    public func activeDirectories() throws -> [Directory] {
        try all(Directory.filter(Directory.Columns.kind != Directory.Kind.draft.rawValue))
    }

    public func directories(companyId: Int64, ids: [Int64]) throws -> [Directory] {
        try cachedAll("SELECT * FROM \(Directory.self) WHERE \(Directory.Columns.companyId) = \(companyId) AND \(Directory.Columns.id.among(ids))")
    }

    public func privateDirectory(domainId: Int64) throws -> Directory? {
        try first(
            Directory.filter(Directory.Columns.domainId == domainId && Directory.Columns.source == Directory.Source.twsPrivate.rawValue)
                .order(Directory.Columns.id)
        )
    }

    public func contactLists(ownerUserId: Int64) throws -> [ContactList] {
        try all(ContactList.filter(ContactList.Columns.ownerUserId == ownerUserId).order(ContactList.Columns.name.caseless, ContactList.Columns.id))
    }

    public func publicContactLists(domainId: Int64) throws -> [ContactList] {
        typealias Columns = ContactList.Columns
        return try all(ContactList.filter(Columns.domainId == domainId && Columns.isPublic == true).order(Columns.name.caseless, Columns.id))
    }

    public func contactListCount(ownerUserId: Int64) throws -> Int {
        try translate { try ContactList.filter(ContactList.Columns.ownerUserId == ownerUserId).fetchCount(db) }
    }
}

import Domain
import GRDB

extension User: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "user"
    public enum Columns {
        static let id = Column("id")
        static let companyId = Column("companyId")
        static let domainId = Column("domainId")
        static let username = Column("username")
        static let firstName = Column("firstName")
        static let lastName = Column("lastName")
        static let email = Column("email")
        static let mobile = Column("mobile")
        static let enabled = Column("enabled")
        static let importId = Column("importId")
        static let externalId = Column("externalId")
    }
}

extension Device: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "device"
    public enum Columns {
        static let id = Column("id")
        static let domainId = Column("domainId")
        static let userId = Column("userId")
        static let number = Column("number")
        static let pbxProtocol = Column("pbxProtocol")
    }
}

extension UserGroup: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "user_group"
    public enum Columns {
        static let id = Column("id")
        static let companyId = Column("companyId")
        static let domainId = Column("domainId")
        static let name = Column("name")
    }
}

extension GroupMembership: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "group_membership"
    public enum Columns {
        static let id = Column("id")
        static let groupId = Column("groupId")
        static let userId = Column("userId")
    }
}

extension GRDBTransaction: UserRecords {
    public func user(id: Int64) throws -> User? { try record(id: id) }
    public func insert(_ record: User) throws -> User { try inserted(record) }
    public func update(_ record: User) throws { try updated(record) }
    public func deleteUser(id: Int64) throws -> Bool { try deleted(User.self, id: id) }

    public func device(id: Int64) throws -> Device? { try record(id: id) }
    public func insert(_ record: Device) throws -> Device { try inserted(record) }
    public func update(_ record: Device) throws { try updated(record) }
    public func deleteDevice(id: Int64) throws -> Bool { try deleted(Device.self, id: id) }

    public func group(id: Int64) throws -> UserGroup? { try record(id: id) }
    public func insert(_ record: UserGroup) throws -> UserGroup { try inserted(record) }
    public func update(_ record: UserGroup) throws { try updated(record) }
    public func deleteGroup(id: Int64) throws -> Bool { try deleted(UserGroup.self, id: id) }

    public func membership(id: Int64) throws -> GroupMembership? { try record(id: id) }
    public func insert(_ record: GroupMembership) throws -> GroupMembership { try inserted(record) }
    public func update(_ record: GroupMembership) throws { try updated(record) }
    public func deleteMembership(id: Int64) throws -> Bool { try deleted(GroupMembership.self, id: id) }

    public func enabledUsers(domainId: Int64) throws -> [User] {
        typealias Columns = User.Columns
        return try cachedAll("SELECT * FROM \(User.self) WHERE \(Columns.domainId) = \(domainId) AND \(Columns.enabled) ORDER BY \(Columns.id)")
    }

    public func users(domainId: Int64, _ page: PageRequest) throws -> Page<User> {
        typealias Columns = User.Columns
        return try self.page(
            User.filter(Columns.domainId == domainId).order(Columns.username.caseless), page,
            searching: [Columns.username, Columns.firstName, Columns.lastName, Columns.email, Columns.mobile]
        )
    }

    public func users(domainId: Int64, usernames: [String]) throws -> [User] {
        try all(User.filter(User.Columns.domainId == domainId && User.Columns.username.among(usernames)).order(User.Columns.id))
    }

    public func signInCandidates(username: String, domainIds: [Int64]?, limit: Int) throws -> [User] {
        var request = User.filter(User.Columns.username == username && User.Columns.enabled == true)
        if let domainIds { request = request.filter(User.Columns.domainId.among(domainIds)) }
        return try all(request.order(User.Columns.id).limit(limit))
    }

    public func users(importId: Int64) throws -> [User] {
        try all(User.filter(User.Columns.importId == importId).order(User.Columns.id))
    }

    public func users(importId: Int64, externalIds: [String]) throws -> [User] {
        try all(User.filter(User.Columns.importId == importId && User.Columns.externalId.among(externalIds)).order(User.Columns.id))
    }

    public func devices(userId: Int64) throws -> [Device] {
        typealias Columns = Device.Columns
        return try cachedAll("SELECT * FROM \(Device.self) WHERE \(Columns.userId) = \(userId) ORDER BY \(Columns.number) COLLATE NOCASE")
    }

    public func devices(userIds: [Int64]) throws -> [Device] {
        try cachedAll("SELECT * FROM \(Device.self) WHERE \(Device.Columns.userId.among(userIds)) ORDER BY \(Device.Columns.id)")
    }

    public func device(domainId: Int64, number: String) throws -> Device? {
        // No ORDER BY: with one, SQLite walks the domainId index in id order instead of seeking the (domainId, number) key.
        try cachedOne("SELECT * FROM \(Device.self) WHERE \(Device.Columns.domainId) = \(domainId) AND \(Device.Columns.number) = \(number)")
    }

    public func devices(domainId: Int64, numbers: [String]) throws -> [Device] {
        // No ORDER BY: with one, SQLite walks the domainId index in id order (every device of the domain) instead of
        // seeking the (domainId, number) key; measured 2–6 ms instead of 20 µs at 10,000 devices.
        try cachedAll("SELECT * FROM \(Device.self) WHERE \(Device.Columns.domainId) = \(domainId) AND \(Device.Columns.number.among(numbers))")
    }

    public func deviceNumbers(domainId: Int64, pbxProtocol: Device.PBXProtocol) throws -> [String] {
        try translate {
            try String.fetchAll(
                db, Device.select(Device.Columns.number).filter(Device.Columns.domainId == domainId && Device.Columns.pbxProtocol == pbxProtocol.rawValue)
            )
        }
    }

    public func groups(domainId: Int64, _ page: PageRequest) throws -> Page<UserGroup> {
        typealias Columns = UserGroup.Columns
        return try self.page(UserGroup.filter(Columns.domainId == domainId).order(Columns.name.caseless), page, searching: [Columns.name])
    }

    public func groups(companyId: Int64, named name: String) throws -> [UserGroup] {
        try all(UserGroup.filter(UserGroup.Columns.companyId == companyId && UserGroup.Columns.name == name).order(UserGroup.Columns.id))
    }

    public func groupIds(ofUser userId: Int64) throws -> [Int64] {
        typealias Columns = GroupMembership.Columns
        return try cachedValues("SELECT \(Columns.groupId) FROM \(GroupMembership.self) WHERE \(Columns.userId) = \(userId) ORDER BY \(Columns.id)")
    }

    public func memberIds(ofGroups groupIds: [Int64]) throws -> [Int64] {
        typealias Columns = GroupMembership.Columns
        return try cachedValues("SELECT \(Columns.userId) FROM \(GroupMembership.self) WHERE \(Columns.groupId.among(groupIds)) ORDER BY \(Columns.id)")
    }

    public func members(ofGroup groupId: Int64, _ page: PageRequest) throws -> Page<User> {
        let members = GroupMembership.select(GroupMembership.Columns.userId).filter(GroupMembership.Columns.groupId == groupId)
        return try self.page(
            User.filter(members.contains(User.Columns.id)).order(User.Columns.username.caseless), page,
            searching: [User.Columns.username, User.Columns.firstName, User.Columns.lastName]
        )
    }

    public func membership(groupId: Int64, userId: Int64) throws -> GroupMembership? {
        try first(GroupMembership.filter(GroupMembership.Columns.groupId == groupId && GroupMembership.Columns.userId == userId))
    }

    public func deleteMembership(groupId: Int64, userId: Int64) throws -> Bool {
        try translate {
            try GroupMembership.filter(GroupMembership.Columns.groupId == groupId && GroupMembership.Columns.userId == userId).deleteAll(db) > 0
        }
    }
}

import Domain
import GRDB

extension User: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "user"
}

extension Device: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "device"
}

extension UserGroup: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "user_group"
}

extension GroupMembership: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "group_membership"
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
}

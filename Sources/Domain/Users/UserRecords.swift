/// Users, their devices, groups and group memberships. Storage implements it; a Domain test may use an in-memory one.
public protocol UserRecords {
    func user(id: Int64) throws -> User?
    /// Inserts and answers the record with its new id.
    func insert(_ record: User) throws -> User
    func update(_ record: User) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteUser(id: Int64) throws -> Bool

    func device(id: Int64) throws -> Device?
    /// Inserts and answers the record with its new id.
    func insert(_ record: Device) throws -> Device
    func update(_ record: Device) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteDevice(id: Int64) throws -> Bool

    func group(id: Int64) throws -> UserGroup?
    /// Inserts and answers the record with its new id.
    func insert(_ record: UserGroup) throws -> UserGroup
    func update(_ record: UserGroup) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteGroup(id: Int64) throws -> Bool

    func membership(id: Int64) throws -> GroupMembership?
    /// Inserts and answers the record with its new id.
    func insert(_ record: GroupMembership) throws -> GroupMembership
    func update(_ record: GroupMembership) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteMembership(id: Int64) throws -> Bool
}

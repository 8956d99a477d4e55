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

    /// The enabled users of a domain, in id order.
    func enabledUsers(domainId: Int64) throws -> [User]
    /// A page of a domain's users by user name, searched by user name, names, e-mail and mobile.
    func users(domainId: Int64, _ page: PageRequest) throws -> Page<User>
    /// The users of a domain with these user names.
    func users(domainId: Int64, usernames: [String]) throws -> [User]
    /// The enabled users a sign-in may name: this user name, in these domains when given, at most `limit`.
    func signInCandidates(username: String, domainIds: [Int64]?, limit: Int) throws -> [User]
    /// The users an import created and keeps.
    func users(importId: Int64) throws -> [User]
    func users(importId: Int64, externalIds: [String]) throws -> [User]
    /// A user's devices by number (compared as text: "1002" before "999").
    func devices(userId: Int64) throws -> [Device]
    /// The devices of these users, in id order.
    func devices(userIds: [Int64]) throws -> [Device]
    func device(domainId: Int64, number: String) throws -> Device?
    func devices(domainId: Int64, numbers: [String]) throws -> [Device]
    /// The numbers of a domain's devices on a PBX protocol, in no particular order.
    func deviceNumbers(domainId: Int64, pbxProtocol: Device.PBXProtocol) throws -> [String]
    /// A page of a domain's groups by name, searched by name.
    func groups(domainId: Int64, _ page: PageRequest) throws -> Page<UserGroup>
    func groups(companyId: Int64, named name: String) throws -> [UserGroup]
    /// The groups a user belongs to.
    func groupIds(ofUser userId: Int64) throws -> [Int64]
    /// The users in any of these groups.
    func memberIds(ofGroups groupIds: [Int64]) throws -> [Int64]
    /// A page of a group's members by user name, searched by user name and names.
    func members(ofGroup groupId: Int64, _ page: PageRequest) throws -> Page<User>
    func membership(groupId: Int64, userId: Int64) throws -> GroupMembership?
    /// False when the user was not in the group.
    func deleteMembership(groupId: Int64, userId: Int64) throws -> Bool
}

import Domain

// Filters and orders as in Storage's GRDBTransaction+UserRecords.swift, +RightsRecords.swift and
// +ParameterRecords.swift. User names and group names are NOCASE columns: `==` and `IN` on them ignore ASCII case.

extension InMemoryTransaction: UserRecords {
    func user(id: Int64) throws -> User? { row(id: id) }
    func insert(_ record: User) throws -> User { try inserted(record) }
    func update(_ record: User) throws { try updated(record) }
    func deleteUser(id: Int64) throws -> Bool { try deleted(User.self, id: id) }

    func device(id: Int64) throws -> Device? { row(id: id) }
    func insert(_ record: Device) throws -> Device { try inserted(record) }
    func update(_ record: Device) throws { try updated(record) }
    func deleteDevice(id: Int64) throws -> Bool { try deleted(Device.self, id: id) }

    func group(id: Int64) throws -> UserGroup? { row(id: id) }
    func insert(_ record: UserGroup) throws -> UserGroup { try inserted(record) }
    func update(_ record: UserGroup) throws { try updated(record) }
    func deleteGroup(id: Int64) throws -> Bool { try deleted(UserGroup.self, id: id) }

    func membership(id: Int64) throws -> GroupMembership? { row(id: id) }
    func insert(_ record: GroupMembership) throws -> GroupMembership { try inserted(record) }
    func update(_ record: GroupMembership) throws { try updated(record) }
    func deleteMembership(id: Int64) throws -> Bool { try deleted(GroupMembership.self, id: id) }

    func enabledUsers(domainId: Int64) throws -> [User] {
        rows(User.self).filter { $0.domainId == domainId && $0.enabled }
    }

    func users(domainId: Int64, _ page: PageRequest) throws -> Page<User> {
        self.page(
            rows(User.self).filter { $0.domainId == domainId }.ordered(by: [.caseless { $0.username }]),
            page,
            searching: [{ $0.username }, { $0.firstName }, { $0.lastName }, { $0.email }, { $0.mobile }]
        )
    }

    func users(domainId: Int64, usernames: [String]) throws -> [User] {
        let names = Set(usernames.map(SQLiteText.noCase))
        return rows(User.self).filter { $0.domainId == domainId && names.contains(SQLiteText.noCase($0.username)) }
    }

    func signInCandidates(username: String, domainIds: [Int64]?, limit: Int) throws -> [User] {
        let candidates = rows(User.self).filter { user in
            SQLiteText.equalNoCase(user.username, username) && user.enabled && (domainIds?.contains(user.domainId) ?? true)
        }
        return candidates.limited(to: limit)
    }

    func users(importId: Int64) throws -> [User] {
        rows(User.self).filter { $0.importId == importId }
    }

    func users(importId: Int64, externalIds: [String]) throws -> [User] {
        rows(User.self).filter { user in
            user.importId == importId && user.externalId.map { id in externalIds.contains { SQLiteText.equal($0, id) } } == true
        }
    }

    func devices(userId: Int64) throws -> [Device] {
        rows(Device.self).filter { $0.userId == userId }.ordered(by: [.caseless { $0.number }])
    }

    func devices(userIds: [Int64]) throws -> [Device] {
        rows(Device.self).filter { userIds.contains($0.userId) }
    }

    func device(domainId: Int64, number: String) throws -> Device? {
        rows(Device.self).first { $0.domainId == domainId && SQLiteText.equal($0.number, number) }
    }

    func devices(domainId: Int64, numbers: [String]) throws -> [Device] {
        // SQLite gives these in no set order (no ORDER BY); a table scan's id order here.
        rows(Device.self).filter { device in device.domainId == domainId && numbers.contains { SQLiteText.equal($0, device.number) } }
    }

    func deviceNumbers(domainId: Int64, pbxProtocol: Device.PBXProtocol) throws -> [String] {
        rows(Device.self).filter { $0.domainId == domainId && $0.pbxProtocol == pbxProtocol }.map(\.number)
    }

    func groups(domainId: Int64, _ page: PageRequest) throws -> Page<UserGroup> {
        self.page(rows(UserGroup.self).filter { $0.domainId == domainId }.ordered(by: [.caseless { $0.name }]), page, searching: [{ $0.name }])
    }

    func groups(companyId: Int64, named name: String) throws -> [UserGroup] {
        rows(UserGroup.self).filter { $0.companyId == companyId && SQLiteText.equalNoCase($0.name, name) }
    }

    func groupIds(ofUser userId: Int64) throws -> [Int64] {
        rows(GroupMembership.self).filter { $0.userId == userId }.map(\.groupId)
    }

    func memberIds(ofGroups groupIds: [Int64]) throws -> [Int64] {
        rows(GroupMembership.self).filter { groupIds.contains($0.groupId) }.map(\.userId)
    }

    func members(ofGroup groupId: Int64, _ page: PageRequest) throws -> Page<User> {
        let members = Set(rows(GroupMembership.self).filter { $0.groupId == groupId }.map(\.userId))
        return self.page(
            rows(User.self).filter { members.contains($0.id!) }.ordered(by: [.caseless { $0.username }]),
            page,
            searching: [{ $0.username }, { $0.firstName }, { $0.lastName }]
        )
    }

    func membership(groupId: Int64, userId: Int64) throws -> GroupMembership? {
        rows(GroupMembership.self).first { $0.groupId == groupId && $0.userId == userId }
    }

    func deleteMembership(groupId: Int64, userId: Int64) throws -> Bool {
        try deleteAll(GroupMembership.self) { $0.groupId == groupId && $0.userId == userId } > 0
    }
}

extension InMemoryTransaction: RightsRecords {
    func authorization(id: Int64) throws -> Authorization? { row(id: id) }
    func insert(_ record: Authorization) throws -> Authorization { try inserted(record) }
    func update(_ record: Authorization) throws { try updated(record) }
    func deleteAuthorization(id: Int64) throws -> Bool { try deleted(Authorization.self, id: id) }

    func licence(id: Int64) throws -> Licence? { row(id: id) }
    func insert(_ record: Licence) throws -> Licence { try inserted(record) }
    func update(_ record: Licence) throws { try updated(record) }
    func deleteLicence(id: Int64) throws -> Bool { try deleted(Licence.self, id: id) }

    func authorizations(companyId: Int64, objectTypes: [AuthorizationObjectType]) throws -> [Authorization] {
        rows(Authorization.self).filter { $0.companyId == companyId && objectTypes.contains($0.objectType) }
    }

    func authorizations(companyId: Int64) throws -> [Authorization] {
        rows(Authorization.self).filter { $0.companyId == companyId }
    }

    func authorizations(granteeType: GranteeType, granteeId: Int64) throws -> [Authorization] {
        rows(Authorization.self).filter { $0.granteeType == granteeType && $0.granteeId == granteeId }
    }

    func applicationGrants(companyId: Int64, application: Application) throws -> [Authorization] {
        rows(Authorization.self).filter { $0.companyId == companyId && $0.objectType == .application && $0.application == application }
    }

    func authorizations(
        companyId: Int64,
        objectType: AuthorizationObjectType?,
        granteeType: GranteeType?,
        granteeId: Int64?,
        _ page: PageRequest
    ) throws -> Page<Authorization> {
        let rights = rows(Authorization.self).filter { right in
            right.companyId == companyId && (objectType.map { right.objectType == $0 } ?? true)
                && (granteeType.map { right.granteeType == $0 } ?? true) && (granteeId.map { right.granteeId == $0 } ?? true)
        }
        return self.page(rights, page, searching: [])
    }

    func licence(companyId: Int64, application: Application) throws -> Licence? {
        rows(Licence.self).first { $0.companyId == companyId && $0.application == application }
    }
}

extension InMemoryTransaction: ParameterRecords {
    func parameterValue(id: Int64) throws -> ParameterValue? { row(id: id) }
    func insert(_ record: ParameterValue) throws -> ParameterValue { try inserted(record) }
    func update(_ record: ParameterValue) throws { try updated(record) }
    func deleteParameterValue(id: Int64) throws -> Bool { try deleted(ParameterValue.self, id: id) }

    func parameterValues(scope: ParameterScope, scopeId: Int64) throws -> [ParameterValue] {
        rows(ParameterValue.self).filter { $0.scope == scope && $0.scopeId == scopeId }
            .ordered(by: [.caseless { $0.application.rawValue }, .caseless { $0.name }])
    }

    func parameterValue(scope: ParameterScope, scopeId: Int64, application: Application, name: String) throws -> ParameterValue? {
        rows(ParameterValue.self).first {
            $0.scope == scope && $0.scopeId == scopeId && $0.application == application && SQLiteText.equal($0.name, name)
        }
    }

    func parameterValues(application: Application, name: String) throws -> [ParameterValue] {
        rows(ParameterValue.self).filter { $0.application == application && SQLiteText.equal($0.name, name) }
    }

    func parameterValues(companyId: Int64, applications: Set<Application>) throws -> [ParameterValue] {
        rows(ParameterValue.self).filter { $0.companyId == companyId && applications.contains($0.application) }
    }

    func parameterValues(companyId: Int64) throws -> [ParameterValue] {
        rows(ParameterValue.self).filter { $0.companyId == companyId }
    }
}

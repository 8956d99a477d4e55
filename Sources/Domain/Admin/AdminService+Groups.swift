// MARK: - Groups and memberships (admin guide 7.3)

extension AdminService {
    public func listGroups(_ admin: AdminPrincipal, domainId: Int64, _ page: PageRequest) async throws -> Page<UserGroup> {
        try admin.requireReady()
        return try await store.read { tx in
            _ = try admin.visible(tx.domain(id: domainId), "Domain")
            return try tx.groups(domainId: domainId, page)
        }
    }

    public func group(_ admin: AdminPrincipal, id: Int64) async throws -> UserGroup {
        try admin.requireReady()
        return try await store.read { tx in try admin.visible(tx.group(id: id), "Group") }
    }

    public func createGroup(_ admin: AdminPrincipal, domainId: Int64, name: String) async throws -> UserGroup {
        try admin.requireReady()
        let name = try Check.name(name, field: "name")
        return try await store.write { tx in
            let domain = try admin.visible(tx.domain(id: domainId), "Domain")
            return try tx.insert(UserGroup(companyId: domain.companyId, domainId: domainId, name: name))
        }
    }

    public func renameGroup(_ admin: AdminPrincipal, id: Int64, name: String) async throws -> UserGroup {
        try admin.requireReady()
        let name = try Check.name(name, field: "name")
        return try await store.write { tx in
            var group = try admin.visible(tx.group(id: id), "Group")
            group.name = name
            try tx.update(group)
            return group
        }
    }

    public func deleteGroup(_ admin: AdminPrincipal, id: Int64) async throws {
        try admin.requireReady()
        try await store.write { tx in
            let group = try admin.visible(tx.group(id: id), "Group")
            try tx.deleteGroup(id: id)
            try tx.pruneDangling(companyId: group.companyId)
        }
    }

    public func members(_ admin: AdminPrincipal, groupId: Int64, _ page: PageRequest) async throws -> Page<User> {
        try admin.requireReady()
        return try await store.read { tx in
            _ = try admin.visible(tx.group(id: groupId), "Group")
            return try tx.members(ofGroup: groupId, page)
        }
    }

    /// Adds a user of the group's domain to the group; refused when an application granted to the
    /// group has no licence left for this user.
    public func addMember(_ admin: AdminPrincipal, groupId: Int64, userId: Int64) async throws {
        try admin.requireReady()
        try await store.write { tx in
            let group = try admin.visible(tx.group(id: groupId), "Group")
            let user = try admin.visible(tx.user(id: userId), "User")
            guard user.companyId == group.companyId, user.domainId == group.domainId else {
                throw DomainError(.conflict, code: "other_domain", "A group holds users of its own domain only", field: "userId")
            }
            let existing = try tx.membership(groupId: groupId, userId: userId)
            guard existing == nil else { return }
            let groupGrants = try tx.authorizations(granteeType: .group, granteeId: groupId).filter { $0.objectType == .application }
            for application in Set(groupGrants.compactMap(\.application)) {
                let holders = try LicenceLedger.holders(of: application, companyId: group.companyId, tx, adding: [userId])
                try LicenceLedger.check(application, companyId: group.companyId, holders: holders, tx)
            }
            _ = try tx.insert(GroupMembership(companyId: group.companyId, groupId: groupId, userId: userId))
        }
    }

    public func removeMember(_ admin: AdminPrincipal, groupId: Int64, userId: Int64) async throws {
        try admin.requireReady()
        try await store.write { tx in
            _ = try admin.visible(tx.group(id: groupId), "Group")
            guard try tx.deleteMembership(groupId: groupId, userId: userId) else { throw DomainError.notFound("Membership") }
        }
    }
}

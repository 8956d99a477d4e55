import Foundation

// MARK: - Administrators' rules (admin guide 9.6): imposed on users and groups, and any rule of their companies.
//
// Imposed rules are not limited by the user's `AuthorizedForward*` parameters (the administrator decides), but their
// meaning is checked and they are loop-checked like a user's. Administrators' other writes are not audited (the audit
// log records sign-ins only), so neither are these.

extension RuleService {
    /// Every rule that applies to a user of the admin's companies, in the order they are tried.
    public func rules(_ admin: AdminPrincipal, userId: Int64) async throws -> [RuleView] {
        try admin.requireReady()
        return try await store.read { tx in
            _ = try admin.visible(tx.user(id: userId), "User")
            return try EffectiveRules.of(userId: userId, tx).map { try Self.view($0, tx) }
        }
    }

    /// Imposes a rule on a user: stored as theirs, imposed, made by an administrator.
    public func imposeRule(_ admin: AdminPrincipal, userId: Int64, _ input: RuleInput) async throws -> RuleView {
        try admin.requireReady()
        let version = store.configurationVersion
        let (view, domainId) = try await store.write { tx in
            let user = try admin.visible(tx.user(id: userId), "User")
            let valid = try RuleValidation.checkShape(input)
            let plan = try self.plans.plan(domainId: user.domainId, version: version, tx)
            try Self.checkMeaning(valid, owner: .user(userId), companyId: user.companyId, plan: plan, tx)
            let rule = Self.imposed(valid, owner: .user(userId), companyId: user.companyId, domainId: user.domainId, at: self.now())
            return (try Self.view(try save(rule, at: valid.priority, tx), tx), user.domainId)
        }
        try await syncPBX(userIds: [userId], domainId: domainId)
        return view
    }

    /// The rules imposed on a group of the admin's companies, by priority.
    public func groupRules(_ admin: AdminPrincipal, groupId: Int64) async throws -> [RuleView] {
        try admin.requireReady()
        return try await store.read { tx in
            _ = try admin.visible(tx.group(id: groupId), "Group")
            return try tx.forwardingRules(groupIds: [groupId]).map { try Self.view($0, tx) }
        }
    }

    /// Imposes a rule on every member of a group (a colleague destination may not be a member).
    public func imposeRule(_ admin: AdminPrincipal, groupId: Int64, _ input: RuleInput) async throws -> RuleView {
        try admin.requireReady()
        let version = store.configurationVersion
        let (view, members, domainId) = try await store.write { tx in
            let group = try admin.visible(tx.group(id: groupId), "Group")
            let valid = try RuleValidation.checkShape(input)
            let plan = try self.plans.plan(domainId: group.domainId, version: version, tx)
            try Self.checkMeaning(valid, owner: .group(groupId), companyId: group.companyId, plan: plan, tx)
            let rule = Self.imposed(valid, owner: .group(groupId), companyId: group.companyId, domainId: group.domainId, at: self.now())
            let view = try Self.view(try save(rule, at: valid.priority, tx), tx)
            return (view, try tx.memberIds(ofGroups: [groupId]), group.domainId)
        }
        try await syncPBX(userIds: members, domainId: domainId)
        return view
    }

    /// Any rule of the admin's companies (404 for others, as for a missing one).
    public func rule(_ admin: AdminPrincipal, id: Int64) async throws -> RuleView {
        try admin.requireReady()
        return try await store.read { tx in try Self.view(try admin.visible(tx.forwardingRule(id: id), "Rule"), tx) }
    }

    /// Replaces any rule of the admin's companies (its owner, imposition and source stay); meaning- and loop-checked.
    public func updateRule(_ admin: AdminPrincipal, id: Int64, _ input: RuleInput) async throws -> RuleView {
        try admin.requireReady()
        let version = store.configurationVersion
        let (view, members, domainId) = try await store.write { tx in
            var rule = try admin.visible(tx.forwardingRule(id: id), "Rule")
            let valid = try RuleValidation.checkShape(input)
            let plan = try self.plans.plan(domainId: rule.domainId, version: version, tx)
            try Self.checkMeaning(valid, owner: rule.owner, companyId: rule.companyId, plan: plan, tx)
            Self.replace(&rule, with: valid, at: self.now())
            let view = try Self.view(try save(rule, at: valid.priority ?? rule.priority, tx), tx)
            return (view, try Self.users(of: rule.owner, tx).compactMap(\.id), rule.domainId)
        }
        try await syncPBX(userIds: members, domainId: domainId)
        return view
    }

    /// Deletes any rule of the admin's companies; the owner's other rules close up.
    public func deleteRule(_ admin: AdminPrincipal, id: Int64) async throws {
        try admin.requireReady()
        let (members, domainId) = try await store.write { tx in
            let rule = try admin.visible(tx.forwardingRule(id: id), "Rule")
            let members = try Self.users(of: rule.owner, tx).compactMap(\.id)
            try tx.deleteForwardingRule(id: id)
            try Self.renumber(RuleValidation.renumbered(try Self.siblings(of: rule, tx)), tx)
            return (members, rule.domainId)
        }
        try await syncPBX(userIds: members, domainId: domainId)
    }

    /// A new imposed rule made by an administrator from `input`.
    static func imposed(_ input: RuleInput, owner: RuleOwner, companyId: Int64, domainId: Int64, at time: Date) -> ForwardingRule {
        ForwardingRule(
            companyId: companyId,
            domainId: domainId,
            owner: owner,
            imposed: true,
            name: input.name,
            kind: input.kind,
            active: input.active,
            priority: 0,
            source: .administrator,
            action: input.action,
            conditions: input.conditions,
            updatedAt: time
        )
    }
}

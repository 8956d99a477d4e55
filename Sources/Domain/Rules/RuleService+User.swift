import Foundation

// MARK: - A user's own rules (admin guide 9.1.8, 9.6): every check is made here, at save.

extension RuleService {
    /// The user's rules in the order they are tried (imposed on them, on their groups, then their own).
    public func rules(_ principal: UserPrincipal) async throws -> [RuleView] {
        try await store.read { tx in
            _ = try Self.signedIn(principal, tx)
            return try EffectiveRules.of(userId: principal.userId, tx).map { try Self.view($0, tx) }
        }
    }

    /// One of the user's rules: their own, or one imposed on them or a group of theirs; anything else is 404.
    public func rule(_ principal: UserPrincipal, id: Int64) async throws -> RuleView {
        try await store.read { tx in
            _ = try Self.signedIn(principal, tx)
            return try Self.view(try Self.visibleRule(principal, id: id, tx), tx)
        }
    }

    /// Creates a rule of the user's, after every check: `AuthorizeSimpleRules`, TWS Rules for an advanced rule,
    /// `IsUserAuthorizedToCreateWithAdminRules` when rules are imposed on them, the `AuthorizedForward*` parameters,
    /// the rule's meaning, and the loop check.
    public func createRule(_ principal: UserPrincipal, _ input: RuleInput) async throws -> RuleView {
        let version = store.configurationVersion
        let created = try await store.write { tx in
            let user = try Self.signedIn(principal, tx)
            let parameters = try Self.parameters(of: user, tx)
            try RuleValidation.requireRuleRight(parameters)
            let valid = try RuleValidation.checkShape(input)
            if valid.kind == .advanced { try ApplicationAccess.require(.advancedRules, principal: principal, user: user, tx) }
            // Admin guide 9.6.2: with rules imposed, users add their own only when allowed.
            if try EffectiveRules.of(userId: principal.userId, tx).contains(where: \.imposed),
                parameters["IsUserAuthorizedToCreateWithAdminRules"] == "false"
            {
                throw RuleValidation.notAuthorized("IsUserAuthorizedToCreateWithAdminRules", "Creating rules beside an administrator's")
            }
            try RuleValidation.authorize(valid, parameters)
            let plan = try self.plans.plan(domainId: user.domainId, version: version, tx)
            try Self.checkMeaning(valid, owner: .user(principal.userId), companyId: user.companyId, plan: plan, tx)
            let rule = ForwardingRule(
                companyId: user.companyId,
                domainId: user.domainId,
                owner: .user(principal.userId),
                imposed: false,
                name: valid.name,
                kind: valid.kind,
                active: valid.active,
                priority: 0,
                source: .user,
                action: valid.action,
                conditions: valid.conditions,
                updatedAt: self.now()
            )
            return try Self.view(try save(rule, at: valid.priority, tx), tx)
        }
        try await syncPBX(userIds: [principal.userId], domainId: principal.domainId)
        return created
    }

    /// Replaces one of the user's own rules (the same checks as creation but the one on imposed rules); an imposed
    /// rule answers 403 `rule_imposed`. Without `priority` the rule keeps its place.
    public func updateRule(_ principal: UserPrincipal, id: Int64, _ input: RuleInput) async throws -> RuleView {
        let version = store.configurationVersion
        let updated = try await store.write { tx in
            let user = try Self.signedIn(principal, tx)
            var rule = try Self.ownRule(principal, id: id, tx)
            let parameters = try Self.parameters(of: user, tx)
            try RuleValidation.requireRuleRight(parameters)
            let valid = try RuleValidation.checkShape(input)
            if valid.kind == .advanced { try ApplicationAccess.require(.advancedRules, principal: principal, user: user, tx) }
            try RuleValidation.authorize(valid, parameters)
            let plan = try self.plans.plan(domainId: user.domainId, version: version, tx)
            try Self.checkMeaning(valid, owner: .user(principal.userId), companyId: user.companyId, plan: plan, tx)
            Self.replace(&rule, with: valid, at: self.now())
            return try Self.view(try save(rule, at: valid.priority ?? rule.priority, tx), tx)
        }
        try await syncPBX(userIds: [principal.userId], domainId: principal.domainId)
        return updated
    }

    /// Deletes one of the user's own rules (403 `rule_imposed` for an imposed one); the others close up.
    public func deleteRule(_ principal: UserPrincipal, id: Int64) async throws {
        try await store.write { tx in
            let user = try Self.signedIn(principal, tx)
            let rule = try Self.ownRule(principal, id: id, tx)
            try RuleValidation.requireRuleRight(try Self.parameters(of: user, tx))
            try tx.deleteForwardingRule(id: id)
            try Self.renumber(RuleValidation.renumbered(try Self.siblings(of: rule, tx)), tx)
        }
        try await syncPBX(userIds: [principal.userId], domainId: principal.domainId)
    }

    /// Puts the user's own rules in the order of `ids` (each own rule exactly once, 422 otherwise) and answers the
    /// user's rules as they are now tried.
    public func setRuleOrder(_ principal: UserPrincipal, ids: [Int64]) async throws -> [RuleView] {
        let rules = try await store.write { tx in
            let user = try Self.signedIn(principal, tx)
            try RuleValidation.requireRuleRight(try Self.parameters(of: user, tx))
            let own = try tx.forwardingRules(userId: principal.userId).filter { !$0.imposed }
            try Self.renumber(try RuleValidation.reordered(own, by: ids), tx)
            return try EffectiveRules.of(userId: principal.userId, tx).map { try Self.view($0, tx) }
        }
        try await syncPBX(userIds: [principal.userId], domainId: principal.domainId)
        return rules
    }

    /// `AuthorizeShareRulesGroup` (admin guide 9.1.7): each user of the group it names, with their first active rule in
    /// the order rules are tried, and nothing else; empty without the parameter.
    public func sharedRules(_ principal: UserPrincipal) async throws -> [SharedRule] {
        try await store.read { tx in
            let user = try Self.signedIn(principal, tx)
            let name = try Self.parameters(of: user, tx)["AuthorizeShareRulesGroup"] ?? ""
            guard !name.isEmpty, name != "false" else { return [] }
            let groups = try tx.groups(companyId: user.companyId, named: name)
            let memberIds = Set(try tx.memberIds(ofGroups: groups.compactMap(\.id))).sorted()
            return try memberIds.compactMap { memberId -> SharedRule? in
                guard let member = try tx.user(id: memberId), member.companyId == user.companyId else { return nil }
                let first = try EffectiveRules.of(userId: memberId, tx).first(where: \.active)
                return SharedRule(
                    userId: memberId,
                    userName: member.username,
                    displayName: member.displayName,
                    rule: try first.map { try Self.summary($0, of: member, tx) }
                )
            }
        }
    }

    // MARK: Helpers

    /// The signed-in user, once known to hold an application with simple rules (Caller, Toolkit or Rules): every user
    /// operation on rules starts here.
    static func signedIn(_ principal: UserPrincipal, _ tx: any StoreTransaction) throws -> User {
        guard let user = try tx.user(id: principal.userId), user.companyId == principal.companyId else { throw DomainError.unauthenticated }
        try ApplicationAccess.require(.simpleRules, principal: principal, user: user, tx)
        return user
    }

    /// A rule the user sees: their own, or imposed on a group of theirs; 404 otherwise (other users' and companies' too).
    static func visibleRule(_ principal: UserPrincipal, id: Int64, _ tx: any StoreTransaction) throws -> ForwardingRule {
        guard let rule = try tx.forwardingRule(id: id), rule.companyId == principal.companyId else { throw DomainError.notFound("Rule") }
        if rule.userId == principal.userId { return rule }
        if let groupId = rule.groupId, try tx.groupIds(ofUser: principal.userId).contains(groupId) { return rule }
        throw DomainError.notFound("Rule")
    }

    /// A rule the user may change: their own and not imposed (403 `rule_imposed` for an imposed one they see).
    static func ownRule(_ principal: UserPrincipal, id: Int64, _ tx: any StoreTransaction) throws -> ForwardingRule {
        let rule = try visibleRule(principal, id: id, tx)
        guard !rule.imposed, rule.userId == principal.userId else {
            throw DomainError.forbidden(code: "rule_imposed", "An administrator imposed this rule: it cannot be changed or deleted by the user")
        }
        return rule
    }

    /// `rule` with what a client writes replaced by `input` (owner, imposition, source and id stay).
    static func replace(_ rule: inout ForwardingRule, with input: RuleInput, at time: Date) {
        rule.name = input.name
        rule.kind = input.kind
        rule.active = input.active
        rule.action = input.action
        rule.conditions = input.conditions
        rule.updatedAt = time
    }

    /// What a shared rule shows: the number calls go to as dialled (a colleague's first device, the voicemail number).
    static func summary(_ rule: ForwardingRule, of user: User, _ tx: any StoreTransaction) throws -> SharedRule.Summary {
        var summary = SharedRule.Summary(name: rule.name, type: rule.action.type, destination: nil, destinationName: nil)
        let destination = rule.action.destination
        switch destination.kind {
        case .number: summary.destination = destination.number
        case .colleague:
            if let id = destination.userId, let colleague = try tx.user(id: id) {
                summary.destination = try tx.devices(userId: id).map(\.number).sorted().first
                summary.destinationName = colleague.displayName
            }
        case .voicemail:
            let number = try parameters(of: user, tx)["vmNumber"] ?? ""
            summary.destination = number.isEmpty ? nil : number
        }
        return summary
    }
}

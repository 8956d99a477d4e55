import Foundation

// MARK: - What the user and administrator sides share: parameters, meaning checks, placing, the loop check, PBX sync.

extension RuleService {
    /// The Caller and TWS Rules parameters of `user`, by name (canonical names: a value set under the guide's alias
    /// `AuthorizedForwardPresenceAsbsent` is stored under `AuthorizedForwardPresenceAbsent`).
    static func parameters(of user: User, _ tx: any StoreTransaction) throws -> [String: String] {
        let definitions = ParameterCatalogue.all.filter { $0.application == .caller || $0.application == .rules }
        let resolved = try ParameterResolver().resolve(definitions, for: user, in: tx)
        return Dictionary(resolved.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// The checks both sides make on what a rule means, against what is stored (admin guide 9.6): a colleague is a user
    /// of the company (404 otherwise) and not the rule's own user (nor, for a group rule, a member); a directory origin
    /// names a directory the user (or the group) may read (404 otherwise); a voicemail destination has a `vmNumber`; a
    /// number can be dialled through the domain's plan (what the user typed is stored; the engine dials it through the
    /// plan when the rule runs).
    static func checkMeaning(_ input: RuleInput, owner: RuleOwner, companyId: Int64, plan: DialingPlan, _ tx: any StoreTransaction) throws {
        let destination = input.action.destination
        switch destination.kind {
        case .colleague:
            let field = "forward.destination.userId"
            guard let id = destination.userId, let colleague = try tx.user(id: id), colleague.companyId == companyId else {
                throw DomainError.missing(field: field, "The colleague is not a user of this company")
            }
            switch owner {
            case .user(let userId):
                guard id != userId else { throw RuleValidation.invalid(field, "A rule cannot forward a user's calls to themselves") }
            case .group(let groupId):
                // Every member would forward to themselves, or to a member forwarding back.
                guard try !tx.groupIds(ofUser: id).contains(groupId) else {
                    throw RuleValidation.invalid(field, "A group's rule cannot forward to a member of the group")
                }
            }
        case .voicemail:
            // A group's members each have their own vmNumber, read when the rule runs.
            if case .user(let userId) = owner {
                guard let user = try tx.user(id: userId), !(try parameters(of: user, tx)["vmNumber"] ?? "").isEmpty else {
                    throw DomainError(.unprocessable, code: "no_voicemail_number", "The user has no voicemail number (vmNumber)", field: "forward.destination")
                }
            }
        case .number:
            do { _ = try plan.transform(destination.number ?? "") } catch {
                throw RuleValidation.invalid("forward.destination.number", "The number cannot be dialled: \(error.reason)")
            }
        }
        if let origin = input.conditions?.origin, origin.match == .directory {
            let access: DirectoryAccess
            switch owner {
            case .user(let userId): access = try DirectoryAccess.of(userId: userId, tx)
            case .group(let groupId): access = try DirectoryAccess.of(grantee: .group, id: groupId, companyId: companyId, tx)
            }
            guard let id = origin.directoryId, access.directories[id] != nil else {
                throw DomainError.missing(field: "conditions.origin.directoryId", "The directory does not exist or is not readable")
            }
        }
    }

    /// The rules `rule` is numbered among: its owner's rules of the same imposition, in order.
    static func siblings(of rule: ForwardingRule, _ tx: any StoreTransaction) throws -> [ForwardingRule] {
        switch rule.owner {
        case .user(let userId): try tx.forwardingRules(userId: userId).filter { $0.imposed == rule.imposed }
        case .group(let groupId): try tx.forwardingRules(groupIds: [groupId])
        }
    }

    /// Stores `rule` (inserted when it has no id) at `priority` among its siblings, keeping their priorities 1…n, then
    /// runs the loop check for every user it applies to. Returns the stored rule.
    func save(_ rule: ForwardingRule, at priority: Int?, _ tx: any StoreTransaction) throws -> ForwardingRule {
        var stored = rule
        if stored.id == nil {
            stored.priority = Int.max
            stored = try tx.insert(stored)
        }
        let ordered = RuleValidation.placed(stored, at: priority, among: try Self.siblings(of: stored, tx))
        try Self.renumber(ordered, keeping: stored, tx)
        stored = ordered.first { $0.id == stored.id } ?? stored
        // CIRCULARLEVEL for every user the rule applies to (RuleService+Loops); throwing rolls the write back.
        try checkLoop(stored, in: tx)
        return stored
    }

    /// Writes the priorities of `ordered`; `changed` is written whole (the other rules only move).
    static func renumber(_ ordered: [ForwardingRule], keeping changed: ForwardingRule? = nil, _ tx: any StoreTransaction) throws {
        let before = Dictionary(try (ordered.first.map { try siblings(of: $0, tx) } ?? []).compactMap { rule in rule.id.map { ($0, rule) } }) { a, _ in a }
        for rule in ordered {
            if let changed, rule.id == changed.id {
                var whole = changed
                whole.priority = rule.priority
                try tx.update(whole)
            } else if before[rule.id ?? -1]?.priority != rule.priority {
                try tx.update(rule)
            }
        }
    }

    /// The users a rule applies to: its user, or every member of its group.
    static func users(of owner: RuleOwner, _ tx: any StoreTransaction) throws -> [User] {
        switch owner {
        case .user(let id): return try tx.user(id: id).map { [$0] } ?? []
        case .group(let id): return try tx.memberIds(ofGroups: [id]).compactMap { try tx.user(id: $0) }
        }
    }

    /// The rule as clients see it, with the name of whom an imposed rule is imposed on.
    static func view(_ rule: ForwardingRule, _ tx: any StoreTransaction) throws -> RuleView {
        guard rule.imposed else { return RuleView(rule: rule) }
        switch rule.owner {
        case .user(let id):
            return RuleView(rule: rule, imposedOn: .init(owner: rule.owner, name: try tx.user(id: id)?.displayName ?? ""))
        case .group(let id):
            return RuleView(rule: rule, imposedOn: .init(owner: rule.owner, name: try tx.group(id: id)?.name ?? ""))
        }
    }

    /// After a committed write: puts the PBX forwarding of every affected user in step with their simple rules.
    ///
    /// The rule is stored whatever the PBX answers (the write committed first); a PBX failure is still the call's answer
    /// (503/504 as `DomainError.pbx` maps, 409 for a refusal), saying the rule was saved, so the client knows the phone
    /// does not forward yet. Every user is tried; the first failure is thrown.
    func syncPBX(userIds: [Int64], domainId: Int64) async throws {
        let sync = SimpleRuleSync(store: store, gateway: gateway, events: events, plans: plans)
        var failure: DomainError?
        for userId in userIds {
            do { try await sync.apply(userId: userId, domainId: domainId) } catch let error as DomainError {
                if failure == nil {
                    failure = DomainError(error.kind, code: error.code, "The rule was saved, but the PBX forwarding was not updated: \(error.message)")
                }
            }
        }
        if let failure { throw failure }
    }
}

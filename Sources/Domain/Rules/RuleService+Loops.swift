import Foundation

/// CIRCULARLEVEL at save time (admin guide 9.6.2): a rule may not close a chain of forwards that comes back where it
/// started within its owner's level, counting every active rule of the company and every PBX forward.
extension RuleService {
    /// Throws 409 `forward_loop` naming the chain when `rule`, saved in place of its stored version (an update) or as a
    /// new one, would close a loop within the CIRCULARLEVEL of a user it applies to (each member for a group's rule).
    /// An inactive rule forwards nothing and closes no loop. Called inside the saving transaction.
    public func checkLoop(_ rule: ForwardingRule, in tx: any StoreTransaction) throws {
        guard rule.active else { return }
        let forwards = try storedForwards(companyId: rule.companyId, tx)
        // The rule as it is being saved stands in for its stored version (a new one is not stored yet).
        func leaving(_ device: String, _ candidate: [ForwardingGraph.Edge]) throws -> [ForwardingGraph.Edge] {
            try forwards.edges(from: device).filter { rule.id == nil || $0.ruleId != rule.id } + candidate.filter { $0.from == device }
        }
        // A group's rule leaves every member's devices: all of them count while any member's chain is followed.
        let members = try forwards.users(of: rule).map { ($0, try forwards.edges(of: rule, userId: $0)) }
        let candidate = members.flatMap(\.1)
        for (userId, edges) in members {
            guard let user = try tx.user(id: userId) else { continue }
            let level = try RuleParameters.of(user, tx).circularLevel
            for edge in edges {
                guard let chain = try ForwardingGraph.loop(from: edge.from, to: edge.to, level: level, edges: { try leaving($0, candidate) })
                else { continue }
                let forwards = chain.count - 1
                let path = chain.joined(separator: " → ")
                var error = DomainError(
                    .conflict,
                    code: "forward_loop",
                    "This rule would close a loop of \(forwards) forward\(forwards == 1 ? "" : "s") (\(path)), within CIRCULARLEVEL \(level)"
                )
                error.chain = chain
                throw error
            }
        }
    }

    /// The company's forwards as the loop check reads them, device by device.
    func storedForwards(companyId: Int64, _ tx: any StoreTransaction) throws -> ForwardingGraph.StoredForwards {
        let domainIds = try tx.domains(companyIds: [companyId], named: nil).compactMap(\.id)
        var plans: [Int64: DialingPlan] = [:]
        // A plan that cannot be read leaves numbers as they are (as the event path shows them).
        for domainId in domainIds { plans[domainId] = try? DialingPlanStore.plan(domainId: domainId, tx) }
        return ForwardingGraph.StoredForwards(domainIds: domainIds, plans: plans, lines: { [events] in events.line(domainId: $0, device: $1) }, tx)
    }
}

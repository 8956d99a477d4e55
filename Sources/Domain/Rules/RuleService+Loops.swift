import Foundation

/// CIRCULARLEVEL at save time (admin guide 9.6.2): a rule may not close a chain of forwards that comes back where it
/// started within its owner's level, counting every active rule of the company and every PBX forward.
extension RuleService {
    /// Throws 409 `forward_loop` naming the chain when `rule`, saved in place of its stored version (an update) or as a
    /// new one, would close a loop within the CIRCULARLEVEL of a user it applies to (each member for a group's rule).
    /// An inactive rule forwards nothing and closes no loop. Called inside the saving transaction.
    public func checkLoop(_ rule: ForwardingRule, in tx: any StoreTransaction) throws {
        guard rule.active else { return }
        let resolver = try loopResolver(companyId: rule.companyId, tx)
        var graph = try ForwardingGraph.build(
            companyId: rule.companyId,
            domainIds: resolver.directory.devicesByDomain.keys.sorted(),
            resolver: resolver,
            lines: { [events] in events.line(domainId: $0, device: $1) }
        )
        if let id = rule.id { graph.remove(ruleId: id) }
        let users = try resolver.users(of: rule)
        var perUser: [(User, [ForwardingGraph.Edge])] = []
        for userId in users {
            guard let user = try tx.user(id: userId) else { continue }
            let edges = try resolver.edges(of: rule, userId: userId)
            for edge in edges { graph.add(edge) }
            perUser.append((user, edges))
        }
        for (user, edges) in perUser {
            let level = try RuleParameters.of(user, tx).circularLevel
            for edge in edges {
                guard let chain = graph.loop(from: edge.from, to: edge.to, level: level) else { continue }
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

    /// The company's devices and dialing plans, for the loop check and explain.
    func loopResolver(companyId: Int64, _ tx: any StoreTransaction) throws -> ForwardingGraph.DestinationResolver {
        let domainIds = try tx.domains(companyIds: [companyId], named: nil).compactMap(\.id)
        var plans: [Int64: DialingPlan] = [:]
        // A plan that cannot be read leaves numbers as they are (as the event path shows them).
        for domainId in domainIds { plans[domainId] = try? DialingPlanStore.plan(domainId: domainId, tx) }
        return ForwardingGraph.DestinationResolver(directory: try ForwardingGraph.directory(domainIds: domainIds, tx), plans: plans, tx: tx)
    }
}

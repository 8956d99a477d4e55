/// Reads a domain's dialing plan for the services that dial.
public enum DialingPlanStore {
    /// The domain's settings and rules compiled; the defaults and standard rules when the domain has none stored.
    public static func plan(domainId: Int64, _ tx: any StoreTransaction) throws -> DialingPlan {
        guard let domain = try tx.domain(id: domainId) else { throw DomainError.notFound("Domain") }
        let settings =
            try tx.dialingPlanSettings(domainId: domainId)
            ?? DialingPlanSettings(companyId: domain.companyId, domainId: domainId)
        do {
            return try DialingPlan(settings: settings, rules: settings.rules ?? DialingRule.standardRules())
        } catch {
            throw error.domainError
        }
    }
}

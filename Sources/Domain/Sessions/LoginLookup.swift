/// Finds the users a login may name. Users are unique per domain; company and domain may be left
/// out, and then every domain's user of that name is a candidate (at most `maxCandidates`).
public enum LoginLookup {
    public static let maxCandidates = 8

    public static func candidates(company: String?, domain: String?, username: String, _ tx: any StoreTransaction) throws -> [User] {
        var domainIds: [Int64]?
        if company != nil || domain != nil {
            var companyIds: [Int64]?
            if let company {
                companyIds = try tx.companies(named: company).compactMap(\.id)
            }
            domainIds = try tx.domains(companyIds: companyIds, named: domain).compactMap(\.id)
        }
        return try tx.signInCandidates(username: username, domainIds: domainIds, limit: maxCandidates)
    }
}

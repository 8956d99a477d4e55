/// Read-only questions about the signed-in user.
public struct UserProfileService: Sendable {
    public let store: any TenantStore
    /// Profiles kept until the configuration changes: everything a profile holds (user, domain, company, devices,
    /// grants, groups, parameter values) moves the configuration version, and clients ask for it at every start and
    /// reconnection (`GET /api/v1/me`), where resolving every parameter was most of the request's CPU.
    let profiles = VersionedCache<Int64, UserProfile>()

    public init(store: any TenantStore) { self.store = store }

    public func profile(_ principal: UserPrincipal) async throws -> UserProfile {
        let version = store.configurationVersion
        if let kept = profiles.cached(principal.userId, version: version), kept.user.companyId == principal.companyId { return kept }
        let profile = try await store.read { tx in
            guard let user = try tx.user(id: principal.userId), user.companyId == principal.companyId, user.enabled,
                let domain = try tx.domain(id: user.domainId), let company = try tx.company(id: user.companyId)
            else { throw DomainError.unauthenticated }
            let devices = try tx.devices(userId: principal.userId)
            let applications = try Self.applications(of: user, tx)
            let wanted = Set(applications + [.twsServer])
            let parameters = try ParameterResolver().resolve(ParameterCatalogue.all.filter { wanted.contains($0.application) }, for: user, in: tx).map(\.shown)
            return UserProfile(user: user, domain: domain, company: company, devices: devices, applications: applications, parameters: parameters)
        }
        profiles.keep(profile, for: principal.userId, version: version)
        return profile
    }

    /// Applications granted to the user directly or through any of their groups.
    static func applications(of user: User, _ tx: any StoreTransaction) throws -> [Application] {
        guard let userId = user.id else { return [] }
        let groupIds = try tx.groupIds(ofUser: userId)
        let grants = try tx.authorizations(companyId: user.companyId, objectTypes: [.application])
        let held = grants.filter {
            ($0.granteeType == .user && $0.granteeId == userId) || ($0.granteeType == .group && groupIds.contains($0.granteeId))
        }
        let set = Set(held.compactMap(\.application))
        return Application.allCases.filter(set.contains)
    }
}

import Domain

/// How the push channel admits administrators (issue 17, "Supervision alerts on :9000"): their token, and the
/// per-domain filters of the companies they may see (`AdminService.pushFilters`), which admit only PBX link and
/// phone-queue alerts.
public struct PushAdministration: Sendable {
    let authenticate: @Sendable (String) async throws -> AdminPrincipal
    let filters: @Sendable (AdminPrincipal, _ domainId: Int64?) async throws -> [PushAudienceFilter]

    public init(
        authenticate: @escaping @Sendable (String) async throws -> AdminPrincipal,
        filters: @escaping @Sendable (AdminPrincipal, _ domainId: Int64?) async throws -> [PushAudienceFilter]
    ) {
        self.authenticate = authenticate
        self.filters = filters
    }
}

import Foundation

extension AdminService {
    /// The filters of an administrator's push channel (issue 17, "Supervision alerts on :9000"): one per domain of the
    /// companies they may see (every domain for a super-user), each admitting only PBX link and phone-queue alerts.
    ///
    /// - Parameter domainId: only this domain, when the client asked for one; `not_found` when it does not exist or
    ///   belongs to a company the administrator does not see.
    /// - Throws: `password_change_required` in boot mode, like every other administration request.
    public func pushFilters(_ admin: AdminPrincipal, domainId: Int64? = nil) async throws -> [PushAudienceFilter] {
        try admin.requireReady()
        let domains = try await store.read { tx in
            if let domainId {
                guard let domain = try tx.domain(id: domainId), admin.canSee(companyId: domain.companyId) else {
                    throw DomainError.notFound("Domain")
                }
                return [domain]
            }
            return try tx.domains(companyIds: admin.visibleCompanyIds, named: nil)
        }
        return domains.compactMap(\.id).sorted().map(PushAudienceFilter.administrator(domainId:))
    }
}

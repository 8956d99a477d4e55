/// Counts who holds an application and refuses grants beyond the company's licences.
///
/// A user holding an application directly and through one or more groups uses one licence.
enum LicenceLedger {
    /// Users of the company who hold `application`, directly or through a group, optionally with
    /// a hypothetical extra grant or membership counted in.
    static func holders(
        of application: Application,
        companyId: Int64,
        _ tx: any StoreTransaction,
        adding extraUsers: Set<Int64> = [],
        extraGroups: Set<Int64> = []
    ) throws -> Set<Int64> {
        let grants = try tx.applicationGrants(companyId: companyId, application: application)
        var users = Set(grants.filter { $0.granteeType == .user }.map(\.granteeId)).union(extraUsers)
        let groups = Set(grants.filter { $0.granteeType == .group }.map(\.granteeId)).union(extraGroups)
        if !groups.isEmpty {
            let members = try tx.memberIds(ofGroups: groups.sorted())
            users.formUnion(members)
        }
        return users
    }

    static func available(_ application: Application, companyId: Int64, _ tx: any StoreTransaction) throws -> Int {
        try tx.licence(companyId: companyId, application: application)?.available ?? 0
    }

    /// Throws `licence_exhausted` when `holders` (and, for Toolkit, the live API keys and `extraKeys` more) would exceed
    /// the licences of the company.
    static func check(_ application: Application, companyId: Int64, holders: Set<Int64>, _ tx: any StoreTransaction, extraKeys: Int = 0) throws {
        let available = try available(application, companyId: companyId, tx)
        let needed = holders.count + (try apiKeys(application, companyId: companyId, tx)) + extraKeys
        guard needed <= available else {
            throw DomainError.conflict(
                code: "licence_exhausted",
                "\(application.displayName): \(available) licences; this change would need \(needed)"
            )
        }
    }

    /// Issue 19: each live API key of the company uses one Toolkit licence; issue 20: one holding `callbacks:create`
    /// uses a Portal licence (`ApiKey.licensedApplications`).
    static func apiKeys(_ application: Application, companyId: Int64, _ tx: any StoreTransaction) throws -> Int {
        guard application == .toolkit || application == .portal else { return 0 }
        return try tx.apiKeys(companyId: companyId).filter { $0.isLive && $0.licensedApplications.contains(application) }.count
    }

    static func usage(companyId: Int64, _ tx: any StoreTransaction) throws -> [LicenceUsage] {
        try Application.licensed.map { application in
            LicenceUsage(
                application: application,
                available: try available(application, companyId: companyId, tx),
                used: try holders(of: application, companyId: companyId, tx).count + apiKeys(application, companyId: companyId, tx)
            )
        }
    }
}

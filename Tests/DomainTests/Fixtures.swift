import Auth
import Domain
import Foundation

/// An in-memory store (`InMemoryStore`) with the services over it, and helpers to build tenants.
struct World {
    let store: InMemoryStore
    let admin: AdminService
    let root: AdminPrincipal

    init() async throws {
        store = InMemoryStore()
        admin = AdminService(store: store, hasher: BcryptHasher(cost: 4))
        try await admin.ensureBootAdmin()
        root = AdminPrincipal(adminId: 1, username: "tws", superUser: true, companyIds: [], mustChangePassword: false, sessionTokenId: "test")
    }

    /// A company with one domain, ready for users.
    func tenant(_ name: String, licences: [Application: Int] = [:]) async throws -> (company: Company, domain: CompanyDomain) {
        let company = try await admin.createCompany(root, name: name)
        for (application, count) in licences {
            _ = try await admin.setLicences(root, companyId: company.id!, application: application, available: count)
        }
        let domain = try await admin.createDomain(root, companyId: company.id!, name: "\(name) HQ", numberingPlanLength: 4)
        return (company, domain)
    }

    func user(_ username: String, in domain: CompanyDomain, password: String? = nil) async throws -> User {
        try await admin.createUser(root, domainId: domain.id!, UserChanges(username: username, password: password))
    }

    /// A user holding TWS Caller, which telephony, directory, presence and rules need (issue 19); the company's
    /// Caller licences are raised when none is free.
    func callerUser(_ username: String, in domain: CompanyDomain, password: String? = nil) async throws -> User {
        let user = try await user(username, in: domain, password: password)
        try await grant(.caller, to: user)
        return user
    }

    /// Grants `application` to `user`, raising the company's licences by 10 when none is free.
    func grant(_ application: Application, to user: User) async throws {
        let usage = try await admin.licences(root, companyId: user.companyId).first { $0.application == application }
        if let usage, usage.free < 1 {
            _ = try await admin.setLicences(root, companyId: user.companyId, application: application, available: usage.available + 10)
        }
        let request = AuthorizationRequest(objectType: .application, application: application, granteeType: .user, granteeId: user.id!)
        _ = try await admin.grant(root, request)
    }

    func group(_ name: String, in domain: CompanyDomain, members: [User]) async throws -> UserGroup {
        let group = try await admin.createGroup(root, domainId: domain.id!, name: name)
        for member in members { try await admin.addMember(root, groupId: group.id!, userId: member.id!) }
        return group
    }

    func scopedAdmin(_ companies: [Company]) -> AdminPrincipal {
        AdminPrincipal(
            adminId: 99,
            username: "scoped",
            superUser: false,
            companyIds: Set(companies.map { $0.id! }),
            mustChangePassword: false,
            sessionTokenId: "s"
        )
    }
}

/// Runs `body` and returns the DomainError it throws, or nil.
func domainError(_ body: () async throws -> Void) async -> DomainError? {
    do {
        try await body()
        return nil
    } catch let error as DomainError {
        return error
    } catch {
        return DomainError(.invalid, code: "unexpected:\(error)", "")
    }
}

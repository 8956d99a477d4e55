import Domain
import Testing

@Suite struct BootModeTests {
    @Test func aNewDatabaseHasOnlyTheBootAdminAndEnsuringTwiceAddsNothing() async throws {
        let world = try await World()
        try await world.admin.ensureBootAdmin()
        let admins = try await world.admin.listAdmins(world.root, .all)
        #expect(admins.items.map(\.username) == ["tws"])
        #expect(admins.items.first?.mustChangePassword == true)
    }

    @Test func everyAdminCallButChangingThePasswordIsRefusedInBootMode() async throws {
        let world = try await World()
        let boot = AdminPrincipal(adminId: 1, username: "tws", superUser: true, companyIds: [], mustChangePassword: true, sessionTokenId: "b")
        let calls: [(String, () async throws -> Void)] = [
            ("listCompanies", { _ = try await world.admin.listCompanies(boot, .all) }),
            ("createCompany", { _ = try await world.admin.createCompany(boot, name: "X") }),
            ("listAdmins", { _ = try await world.admin.listAdmins(boot, .all) }),
            ("parameterDefinitions", { _ = try world.admin.parameterDefinitions(boot, application: nil, expert: true) }),
            ("licences", { _ = try await world.admin.licences(boot, companyId: 1) }),
        ]
        for (name, call) in calls {
            let error = await domainError(call)
            #expect(error?.code == "password_change_required", "\(name)")
        }
        try await world.admin.changeOwnPassword(boot, current: "tws", new: "a-new-admin-password")
        let account = try await world.admin.adminAccount(world.root, id: 1)
        #expect(account.mustChangePassword == false)
    }

    @Test func changingThePasswordChecksTheCurrentOneAndThePolicy() async throws {
        let world = try await World()
        let boot = AdminPrincipal(adminId: 1, username: "tws", superUser: true, companyIds: [], mustChangePassword: true, sessionTokenId: "b")
        #expect(
            await domainError { try await world.admin.changeOwnPassword(boot, current: "wrong", new: "a-new-admin-password") }?.field
                == "currentPassword"
        )
        #expect(await domainError { try await world.admin.changeOwnPassword(boot, current: "tws", new: "short") }?.field == "newPassword")
        // Lengths count code points, as the contract's maxLength does: 1,025 characters are over the limit.
        #expect(
            await domainError { try await world.admin.changeOwnPassword(boot, current: "tws", new: String(repeating: "é", count: 1025)) }?.field
                == "newPassword"
        )
        #expect(await domainError { try await world.admin.changeOwnPassword(boot, current: "tws", new: "abc\u{0}defghij") }?.field == "newPassword")
    }

    @Test func theLastSuperUserCannotBeRemovedOrDemoted() async throws {
        let world = try await World()
        // An administrator can neither demote nor delete themselves, so a super-user always remains, nor reset their own
        // password without the current one (changeOwnPassword): a stolen session alone cannot take the account over.
        #expect(
            await domainError { _ = try await world.admin.updateAdmin(world.root, id: 1, password: nil, superUser: false, companyIds: nil) }?.code
                == "cannot_demote_self"
        )
        #expect(
            await domainError { _ = try await world.admin.updateAdmin(world.root, id: 1, password: "taken-over-1", superUser: nil, companyIds: nil) }?
                .code == "own_password"
        )
        let other = try await world.admin.createAdmin(world.root, username: "second", password: "second-password", superUser: true, companyIds: [])
        #expect(await domainError { try await world.admin.deleteAdmin(world.root, id: 1) }?.code == "cannot_delete_self")
        #expect(try await world.admin.updateAdmin(world.root, id: other.id!, password: "reset-by-root", superUser: false, companyIds: nil).superUser == false)
        try await world.admin.deleteAdmin(world.root, id: other.id!)
        #expect(try await world.admin.listAdmins(world.root, .all).total == 1)
    }
}

@Suite struct CompanyIsolationTests {
    @Test func aScopedAdminSeesOnlyItsCompaniesAndOtherIdsAreNotFound() async throws {
        let world = try await World()
        let (acme, acmeDomain) = try await world.tenant("Acme")
        let (globex, globexDomain) = try await world.tenant("Globex")
        let foreignUser = try await world.user("hank", in: globexDomain)
        let foreignGroup = try await world.group("Globex team", in: globexDomain, members: [foreignUser])
        let scoped = world.scopedAdmin([acme])

        #expect(try await world.admin.listCompanies(scoped, .all).items.map(\.name) == ["Acme"])
        #expect(try await world.admin.listDomains(scoped, companyId: nil, .all).items.map(\.id) == [acmeDomain.id])
        let hidden: [(String, () async throws -> Void)] = [
            ("company", { _ = try await world.admin.company(scoped, id: globex.id!) }),
            ("domain", { _ = try await world.admin.domain(scoped, id: globexDomain.id!) }),
            ("users of domain", { _ = try await world.admin.listUsers(scoped, domainId: globexDomain.id!, .all) }),
            ("user", { _ = try await world.admin.user(scoped, id: foreignUser.id!) }),
            ("rename user", { _ = try await world.admin.updateUser(scoped, id: foreignUser.id!, UserChanges(firstName: "x")) }),
            ("delete user", { try await world.admin.deleteUser(scoped, id: foreignUser.id!) }),
            ("group", { _ = try await world.admin.group(scoped, id: foreignGroup.id!) }),
            ("licences", { _ = try await world.admin.licences(scoped, companyId: globex.id!) }),
            ("dialing plan", { _ = try await world.admin.dialingPlan(scoped, domainId: globexDomain.id!) }),
            ("parameters", { _ = try await world.admin.parameterValues(scoped, scope: .user, scopeId: foreignUser.id!) }),
            ("resolved", { _ = try await world.admin.resolvedParameters(scoped, userId: foreignUser.id!, application: nil, expert: true) }),
        ]
        for (name, call) in hidden {
            #expect(await domainError(call)?.kind == .notFound, "\(name)")
        }
        #expect(try await world.admin.user(world.root, id: foreignUser.id!).firstName == "")
    }

    @Test func rightsNeverCrossCompaniesButMayCrossDomainsOfOneCompany() async throws {
        let world = try await World()
        let (acme, paris) = try await world.tenant("Acme")
        let nice = try await world.admin.createDomain(world.root, companyId: acme.id!, name: "Nice", numberingPlanLength: 4)
        let (_, globexDomain) = try await world.tenant("Globex")
        let alice = try await world.user("alice", in: paris)
        let niceDirectory = try #require(try await world.admin.listDirectories(world.root, domainId: nice.id!).first)
        let globexDirectory = try #require(try await world.admin.listDirectories(world.root, domainId: globexDomain.id!).first)

        let shared = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .directory, objectId: niceDirectory.id!, granteeType: .user, granteeId: alice.id!)
        )
        #expect(shared.companyId == acme.id)
        let crossing = await domainError {
            _ = try await world.admin.grant(
                world.root,
                AuthorizationRequest(objectType: .directory, objectId: globexDirectory.id!, granteeType: .user, granteeId: alice.id!)
            )
        }
        #expect(crossing?.kind == .notFound)
    }

    @Test func aGroupHoldsUsersOfItsOwnDomainOnly() async throws {
        let world = try await World()
        let (acme, paris) = try await world.tenant("Acme")
        let nice = try await world.admin.createDomain(world.root, companyId: acme.id!, name: "Nice", numberingPlanLength: 4)
        let niceUser = try await world.user("nina", in: nice)
        let parisGroup = try await world.group("Paris", in: paris, members: [])
        #expect(await domainError { try await world.admin.addMember(world.root, groupId: parisGroup.id!, userId: niceUser.id!) }?.field == "userId")
    }
}

@Suite struct AuthorizationShapeTests {
    @Test func shapesThatMakeNoSenseAreRefusedNamingTheField() async throws {
        let world = try await World()
        let (_, domain) = try await world.tenant("Acme")
        let alice = try await world.user("alice", in: domain)
        let queue = try await world.admin.create(
            world.root,
            domainId: domain.id!,
            PhoneQueue(companyId: 0, domainId: 0, name: "Standard", device: SupervisedDeviceRange(number: "7777"))
        )
        let cases: [(AuthorizationRequest, String)] = [
            (AuthorizationRequest(objectType: .application, granteeType: .user, granteeId: alice.id!), "application"),
            (AuthorizationRequest(objectType: .application, application: .system, granteeType: .user, granteeId: alice.id!), "application"),
            (AuthorizationRequest(objectType: .callLog, objectId: alice.id!, granteeType: .user, granteeId: alice.id!), "objectKind"),
            (AuthorizationRequest(objectType: .intercomGroup, granteeType: .user, granteeId: alice.id!), "objectId"),
            (AuthorizationRequest(objectType: .application, application: .caller, granteeType: .phoneQueue, granteeId: queue.id!), "granteeType"),
        ]
        for (request, field) in cases {
            #expect(await domainError { _ = try await world.admin.grant(world.root, request) }?.field == field)
        }
    }

    @Test func grantingTwiceReturnsTheExistingRightAndDeletingTheObjectRemovesIt() async throws {
        let world = try await World()
        let (acme, domain) = try await world.tenant("Acme")
        let alice = try await world.user("alice", in: domain)
        let bob = try await world.user("bob", in: domain)
        let request = AuthorizationRequest(objectType: .callLog, objectId: bob.id!, objectKind: .user, granteeType: .user, granteeId: alice.id!)
        let first = try await world.admin.grant(world.root, request)
        let second = try await world.admin.grant(world.root, request)
        #expect(first.id == second.id)
        try await world.admin.deleteUser(world.root, id: bob.id!)
        #expect(
            try await world.admin.listAuthorizations(world.root, companyId: acme.id!, objectType: nil, granteeType: nil, granteeId: nil, .all).total
                == 0
        )
    }
}

import Domain
import Testing

@Suite struct LicenceTests {
    @Test func aUserHoldingAnApplicationDirectlyAndThroughGroupsUsesOneLicence() async throws {
        let world = try await World()
        let (company, domain) = try await world.tenant("Acme", licences: [.caller: 2])
        let alice = try await world.user("alice", in: domain)
        let bob = try await world.user("bob", in: domain)
        let team = try await world.group("Team", in: domain, members: [alice, bob])
        let other = try await world.group("Other", in: domain, members: [alice])
        _ = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .application, application: .caller, granteeType: .user, granteeId: alice.id!)
        )
        _ = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .application, application: .caller, granteeType: .group, granteeId: team.id!)
        )
        _ = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .application, application: .caller, granteeType: .group, granteeId: other.id!)
        )
        let caller = try #require(try await world.admin.licences(world.root, companyId: company.id!).first { $0.application == .caller })
        #expect(caller.available == 2)
        #expect(caller.used == 2)
        #expect(caller.free == 0)
    }

    @Test func grantBeyondTheLicenceCountIsRefusedAndNothingIsWritten() async throws {
        let world = try await World()
        let (company, domain) = try await world.tenant("Acme", licences: [.caller: 2])
        let users = try await [world.user("a", in: domain), world.user("b", in: domain), world.user("c", in: domain)]
        let everyone = try await world.group("Everyone", in: domain, members: users)
        let error = await domainError {
            _ = try await world.admin.grant(
                world.root,
                AuthorizationRequest(objectType: .application, application: .caller, granteeType: .group, granteeId: everyone.id!)
            )
        }
        #expect(error?.code == "licence_exhausted")
        let rights = try await world.admin.listAuthorizations(
            world.root,
            companyId: company.id!,
            objectType: .application,
            granteeType: nil,
            granteeId: nil,
            .all
        )
        #expect(rights.total == 0)
    }

    @Test func addingAMemberToALicensedGroupIsRefusedWhenNoLicenceIsLeft() async throws {
        let world = try await World()
        let (company, domain) = try await world.tenant("Acme", licences: [.alerter: 1])
        let alice = try await world.user("alice", in: domain)
        let bob = try await world.user("bob", in: domain)
        let desk = try await world.group("Desk", in: domain, members: [alice])
        _ = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .application, application: .alerter, granteeType: .group, granteeId: desk.id!)
        )
        let error = await domainError { try await world.admin.addMember(world.root, groupId: desk.id!, userId: bob.id!) }
        #expect(error?.code == "licence_exhausted")
        #expect(try await world.admin.members(world.root, groupId: desk.id!, .all).items.map(\.username) == ["alice"])
        let usage = try await world.admin.licences(world.root, companyId: company.id!).first { $0.application == .alerter }
        #expect(usage?.used == 1)
    }

    @Test func licencesCannotBeLoweredBelowUseAndOnlyASuperUserSetsThem() async throws {
        let world = try await World()
        let (company, domain) = try await world.tenant("Acme", licences: [.caller: 3])
        let alice = try await world.user("alice", in: domain)
        let bob = try await world.user("bob", in: domain)
        for user in [alice, bob] {
            _ = try await world.admin.grant(
                world.root,
                AuthorizationRequest(objectType: .application, application: .caller, granteeType: .user, granteeId: user.id!)
            )
        }
        let lowered = await domainError {
            _ = try await world.admin.setLicences(world.root, companyId: company.id!, application: .caller, available: 1)
        }
        #expect(lowered?.code == "licences_in_use")
        let scoped = await domainError {
            _ = try await world.admin.setLicences(world.scopedAdmin([company]), companyId: company.id!, application: .caller, available: 50)
        }
        #expect(scoped?.kind == .forbidden)
        let unlicensed = await domainError {
            _ = try await world.admin.setLicences(world.root, companyId: company.id!, application: .twsServer, available: 5)
        }
        #expect(unlicensed?.field == "application")
    }

    @Test func revokingAndDeletingFreeLicences() async throws {
        let world = try await World()
        let (company, domain) = try await world.tenant("Acme", licences: [.caller: 1])
        let alice = try await world.user("alice", in: domain)
        let right = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .application, application: .caller, granteeType: .user, granteeId: alice.id!)
        )
        try await world.admin.revoke(world.root, id: right.id!)
        let bob = try await world.user("bob", in: domain)
        _ = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .application, application: .caller, granteeType: .user, granteeId: bob.id!)
        )
        try await world.admin.deleteUser(world.root, id: bob.id!)
        let usage = try await world.admin.licences(world.root, companyId: company.id!).first { $0.application == .caller }
        #expect(usage?.used == 0)
        #expect(
            try await world.admin.listAuthorizations(world.root, companyId: company.id!, objectType: nil, granteeType: nil, granteeId: nil, .all)
                .total == 0
        )
    }
}

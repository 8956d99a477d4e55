import Domain
import Testing

/// Licences counted across user and group grants (LicenceLedger), and the rights and settings that go when what they
/// name is deleted (`pruneDangling`): what LicenceTests and TenancyTests leave out.
@Suite struct RightsPruningTests {
    @Test func aGroupGrantToUsersWhoAlreadyHoldTheApplicationNeedsNoMoreLicencesAndCompaniesCountApart() async throws {
        let world = try await World()
        let (acme, paris) = try await world.tenant("Acme", licences: [.caller: 2])
        let (globex, globexDomain) = try await world.tenant("Globex", licences: [.caller: 1])
        let hank = try await world.user("hank", in: globexDomain)
        _ = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .application, application: .caller, granteeType: .user, granteeId: hank.id!)
        )
        let alice = try await world.user("alice", in: paris)
        let bob = try await world.user("bob", in: paris)
        for user in [alice, bob] {
            _ = try await world.admin.grant(
                world.root,
                AuthorizationRequest(objectType: .application, application: .caller, granteeType: .user, granteeId: user.id!)
            )
        }
        // Every licence is used, yet the group holds only users who already count: the grant is accepted.
        let team = try await world.group("Team", in: paris, members: [alice, bob])
        _ = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .application, application: .caller, granteeType: .group, granteeId: team.id!)
        )
        func used(_ company: Company) async throws -> Int? {
            try await world.admin.licences(world.root, companyId: company.id!).first { $0.application == .caller }?.used
        }
        #expect(try await used(acme) == 2)
        #expect(try await used(globex) == 1)
        // Alice keeps her licence through the group once her own grant is revoked; a third user is one too many.
        let direct = try await world.admin.listAuthorizations(
            world.root,
            companyId: acme.id!,
            objectType: .application,
            granteeType: .user,
            granteeId: alice.id!,
            .all
        )
        try await world.admin.revoke(world.root, id: try #require(direct.items.first?.id))
        #expect(try await used(acme) == 2)
        let carol = try await world.user("carol", in: paris)
        let error = await domainError { try await world.admin.addMember(world.root, groupId: team.id!, userId: carol.id!) }
        #expect(error?.code == "licence_exhausted")
    }

    @Test func deletingAGroupFreesItsLicencesAndRemovesTheRightsAndSettingsThatNamedIt() async throws {
        let world = try await World()
        let (acme, domain) = try await world.tenant("Acme", licences: [.caller: 2])
        let alice = try await world.user("alice", in: domain)
        let bob = try await world.user("bob", in: domain)
        let carol = try await world.user("carol", in: domain)
        let desk = try await world.group("Desk", in: domain, members: [alice, bob])
        _ = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .application, application: .caller, granteeType: .group, granteeId: desk.id!)
        )
        // Carol may read the desk's call logs: a right naming the group as its object.
        _ = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .callLog, objectId: desk.id!, objectKind: .group, granteeType: .user, granteeId: carol.id!)
        )
        _ = try await world.admin.setParameter(
            world.root,
            scope: .group,
            scopeId: desk.id!,
            application: .caller,
            name: "AuthorizeSimpleRules",
            value: "false"
        )
        let carolsGrant = AuthorizationRequest(objectType: .application, application: .caller, granteeType: .user, granteeId: carol.id!)
        #expect(await domainError { _ = try await world.admin.grant(world.root, carolsGrant) }?.code == "licence_exhausted")

        try await world.admin.deleteGroup(world.root, id: desk.id!)

        let usage = try await world.admin.licences(world.root, companyId: acme.id!).first { $0.application == .caller }
        #expect(usage?.used == 0)
        let rights = try await world.admin.listAuthorizations(
            world.root,
            companyId: acme.id!,
            objectType: nil,
            granteeType: nil,
            granteeId: nil,
            .all
        )
        #expect(rights.total == 0)
        let (values, members) = try await world.store.read { [desk] tx in
            (try tx.parameterValues(companyId: acme.id!), try tx.memberIds(ofGroups: [desk.id!]))
        }
        #expect(values.isEmpty && members.isEmpty)
        // The group's users stay, without the application; the freed licence goes to Carol.
        #expect(try await world.admin.user(world.root, id: alice.id!).username == "alice")
        _ = try await world.admin.grant(world.root, carolsGrant)
        #expect(try await world.admin.licences(world.root, companyId: acme.id!).first { $0.application == .caller }?.used == 1)
    }

    @Test func deletingAnIntercomGroupOrADirectoryRemovesTheRightsOnItAndThoseItHeld() async throws {
        let w = try await DirectoryWorld()
        let world = w.world
        let people = try await w.directory("People", priority: 30, map: DirectorySyncTests.map)
        let partners = try await w.directory("Partners", priority: 40, map: DirectorySyncTests.map)
        let office = try await world.admin.create(
            world.root,
            domainId: w.domain.id!,
            IntercomGroup(companyId: 0, domainId: 0, name: "Boss office", devices: [SupervisedDeviceRange(number: "1001")])
        )
        _ = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .intercomGroup, objectId: office.id!, granteeType: .user, granteeId: w.user.id!)
        )
        _ = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .directory, objectId: partners.id!, granteeType: .intercomGroup, granteeId: office.id!)
        )
        func rights() async throws -> [Authorization] {
            // The reader's Caller grant (which directory search needs) is not one of the rights this test follows.
            try await world.admin.listAuthorizations(world.root, companyId: w.company.id!, objectType: nil, granteeType: nil, granteeId: nil, .all)
                .items.filter { $0.objectType != .application }
        }
        #expect(try await rights().count == 4)

        try await world.admin.delete(world.root, IntercomGroup.self, id: office.id!)
        // The rights on the group and the one it held are gone; the reader's directory rights stay.
        #expect(try await rights().map(\.objectId) == [people.id, partners.id])
        #expect(try await rights().allSatisfy { $0.objectType == .directory && $0.granteeType == .user })

        try await w.admin([]).deleteDirectory(world.root, id: partners.id!)
        #expect(try await rights().map(\.objectId) == [people.id])
    }
}

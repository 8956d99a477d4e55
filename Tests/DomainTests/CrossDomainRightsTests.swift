import Domain
import Foundation
import Testing

/// Admin guide 7.4.6: "the call logs can't be shared between domains" (as 7.4.5 says of phone queues).
@Suite struct CrossDomainRightsTests {
    @Test func aCallLogRightIsRefusedToAUserOrGroupOfAnotherDomain() async throws {
        let world = try await World()
        let (company, lyon) = try await world.tenant("Acme")
        let paris = try await world.admin.createDomain(world.root, companyId: company.id!, name: "Paris", numberingPlanLength: 4)
        let boss = try await world.user("boss", in: lyon)
        let lyonGroup = try await world.group("Lyon staff", in: lyon, members: [boss])
        let eve = try await world.user("eve", in: paris)
        let parisGroup = try await world.group("Commerce", in: paris, members: [eve])

        for (objectKind, objectId) in [(PeopleKind.user, boss.id!), (.group, lyonGroup.id!)] {
            for (granteeType, granteeId) in [(GranteeType.user, eve.id!), (.group, parisGroup.id!)] {
                let error = await domainError {
                    _ = try await world.admin.grant(
                        world.root,
                        AuthorizationRequest(
                            objectType: .callLog,
                            objectId: objectId,
                            objectKind: objectKind,
                            granteeType: granteeType,
                            granteeId: granteeId
                        )
                    )
                }
                #expect(error?.code == "call_log_right_other_domain", "\(objectKind) → \(granteeType)")
                #expect(error?.kind == .invalid && error?.field == "granteeId")
            }
        }
        // Within the domain the right is given (admin guide 7.4.6's example: a group of the domain sees a user's log).
        let colleague = try await world.user("colleague", in: lyon)
        let granted = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .callLog, objectId: boss.id!, objectKind: .user, granteeType: .user, granteeId: colleague.id!)
        )
        #expect(granted.id != nil)
        let total = try await world.admin.listAuthorizations(
            world.root,
            companyId: company.id!,
            objectType: .callLog,
            granteeType: nil,
            granteeId: nil,
            try PageRequest()
        ).total
        #expect(total == 1)
    }
}

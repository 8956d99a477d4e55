import Domain
import Foundation
@testable import Storage
import Testing

/// The capability protocols' queries on real SQLite where the schema decides the answer: case-insensitive names,
/// memberships, ordering, scoping by company and the rollback of a failed write.
@Suite struct CapabilityRecordsTests {
    struct Tenant {
        let company: Company
        let domain: CompanyDomain
    }

    func tenant(_ name: String, _ store: AppDatabase) async throws -> Tenant {
        try await store.write { tx in
            let company = try tx.insert(Company(name: name))
            return Tenant(company: company, domain: try tx.insert(CompanyDomain(companyId: company.id!, name: "\(name) HQ", numberingPlanLength: 4)))
        }
    }

    func user(_ name: String, _ tenant: Tenant, enabled: Bool = true) -> User {
        User(companyId: tenant.company.id!, domainId: tenant.domain.id!, username: name, enabled: enabled)
    }

    @Test func userNamesCompareWithoutCaseAndSignInCandidatesAreEnabledOnes() async throws {
        let store = try AppDatabase.inMemory()
        let acme = try await tenant("Acme", store)
        let other = try await tenant("Other", store)
        try await store.write { tx in
            _ = try tx.insert(user("Alice", acme))
            _ = try tx.insert(user("alice", other, enabled: false))
            _ = try tx.insert(user("bob", acme))
        }
        let (byName, candidates, inOther, enabled) = try await store.read { tx in
            (
                try tx.users(domainId: acme.domain.id!, usernames: ["ALICE", "carol"]).map(\.username),
                try tx.signInCandidates(username: "ALICE", domainIds: nil, limit: 8).map(\.username),
                try tx.signInCandidates(username: "alice", domainIds: [other.domain.id!], limit: 8),
                try tx.enabledUsers(domainId: acme.domain.id!).map(\.username)
            )
        }
        #expect(byName == ["Alice"])
        #expect(candidates == ["Alice"])
        #expect(inOther.isEmpty)
        #expect(enabled == ["Alice", "bob"])
        // The same name in another case is the same user of the domain.
        await #expect(throws: DomainError.self) { try await store.write { tx in _ = try tx.insert(user("BOB", acme)) } }
    }

    @Test func groupMembersArePagedByNameAndAMembershipIsRemovedOnce() async throws {
        let store = try AppDatabase.inMemory()
        let acme = try await tenant("Acme", store)
        let (group, users) = try await store.write { tx in
            let group = try tx.insert(UserGroup(companyId: acme.company.id!, domainId: acme.domain.id!, name: "Sales"))
            let users = try ["zed", "amy", "Mia"].map { try tx.insert(user($0, acme)) }
            for member in users { _ = try tx.insert(GroupMembership(companyId: acme.company.id!, groupId: group.id!, userId: member.id!)) }
            return (group, users)
        }
        let (page, searched, groupIds) = try await store.read { tx in
            (
                try tx.members(ofGroup: group.id!, try PageRequest(limit: 2)),
                try tx.members(ofGroup: group.id!, try PageRequest(search: "MI")),
                try tx.groupIds(ofUser: users[1].id!)
            )
        }
        #expect(page.items.map(\.username) == ["amy", "Mia"] && page.total == 3)
        #expect(searched.items.map(\.username) == ["Mia"])
        #expect(groupIds == [group.id!])
        let removed = try await store.write { tx in
            (try tx.deleteMembership(groupId: group.id!, userId: users[0].id!), try tx.deleteMembership(groupId: group.id!, userId: users[0].id!))
        }
        #expect(removed == (true, false))
        #expect(try await store.read { tx in try tx.memberIds(ofGroups: [group.id!]) }.sorted() == [users[1].id!, users[2].id!].sorted())
    }

    @Test func theAuditTrailIsNewestFirstAndNarrowedToCompanies() async throws {
        let store = try AppDatabase.inMemory()
        let acme = try await tenant("Acme", store)
        let other = try await tenant("Other", store)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try await store.write { tx in
            _ = try tx.insert(AuditEntry(time: start, kind: .loginSucceeded, companyId: acme.company.id!, username: "a1"))
            _ = try tx.insert(AuditEntry(time: start.addingTimeInterval(60), kind: .logout, companyId: acme.company.id!, username: "a2"))
            _ = try tx.insert(AuditEntry(time: start.addingTimeInterval(30), kind: .loginSucceeded, companyId: other.company.id!, username: "o1"))
        }
        let (mine, logins) = try await store.read { tx in
            (
                try tx.auditEntries(companyIds: [acme.company.id!], kind: nil, .all).items.map(\.username),
                try tx.auditEntries(companyIds: nil, kind: .loginSucceeded, .all).items.map(\.username)
            )
        }
        #expect(mine == ["a2", "a1"])
        #expect(logins == ["o1", "a1"])
    }

    @Test func aWriteThatThrowsLeavesNothingBehind() async throws {
        let store = try AppDatabase.inMemory()
        let acme = try await tenant("Acme", store)
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await store.write { tx in
                _ = try tx.insert(user("temp", acme))
                throw Refused()
            }
        }
        #expect(try await store.read { tx in try tx.users(domainId: acme.domain.id!, .all).total } == 0)
    }
}

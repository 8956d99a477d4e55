import Foundation
import Hummingbird
import HummingbirdTesting
import Storage
import Testing

@Suite("Licences")
struct LicenceRuleTests {
    @Test
    func applicationGrantsAndMembershipsStopAtTheCompanysLicenceCount() async throws {
        try await TWSTestApp.run { client in
            let token = try await client.superUserToken()
            let companyId = try await client.createCompany("Licensed", token: token)
            try await client.must(.put, "/api/v1/admin/licences/Caller?companyId=\(companyId)", token: token, json: #"{"available":2}"#)
            let domainId = try await client.createDomain(companyId: companyId, name: "Main", token: token)
            var users: [Int64] = []
            for index in 1...6 { users.append(try await client.createUser(domainId: domainId, username: "user\(index)", token: token)) }

            let three = try await client.createGroup(domainId: domainId, name: "Three", token: token)
            for user in users[0..<3] {
                try await client.must(.put, "/api/v1/admin/groups/\(three)/members/\(user)", token: token, answer: .noContent)
            }
            let two = try await client.createGroup(domainId: domainId, name: "Two", token: token)
            for user in users[3..<5] { try await client.must(.put, "/api/v1/admin/groups/\(two)/members/\(user)", token: token, answer: .noContent) }

            // 3 users > 2 licences.
            let tooMany = try await client.grantApplication("Caller", granteeType: "group", granteeId: three, token: token)
            expectProblem(tooMany, .conflict, "licence_exhausted", "grant to 3:")
            // 2 users fit.
            let fits = try await client.grantApplication("Caller", granteeType: "group", granteeId: two, token: token)
            #expect(fits.status == .created, "\(fits.text)")

            // A third member of the licensed group would need a third licence.
            let third = try await client.addMember(groupId: two, userId: users[5], token: token)
            expectProblem(third, .conflict, "licence_exhausted", "third member:")
            let members = try await client.must(.get, "/api/v1/admin/groups/\(two)/members", token: token).items()
            #expect(Set(members.compactMap { $0.int64("id") }) == Set(users[3..<5]))
            // A direct grant to a user outside the group is refused too.
            expectProblem(
                try await client.grantApplication("Caller", granteeType: "user", granteeId: users[0], token: token),
                .conflict,
                "licence_exhausted",
                "direct grant:"
            )
            // Granting to a user who already holds it through the group costs nothing.
            let again = try await client.grantApplication("Caller", granteeType: "user", granteeId: users[3], token: token)
            #expect(again.status == .created, "\(again.text)")

            let licences = try await client.must(.get, "/api/v1/admin/licences?companyId=\(companyId)", token: token).items()
            let caller = try #require(licences.first { $0.string("application") == "Caller" })
            #expect(caller.int("available") == 2)
            #expect(caller.int("used") == 2)
            #expect(caller.int("free") == 0)
            let alerter = try #require(licences.first { $0.string("application") == "Alerter" })
            #expect(alerter.int("available") == 0 && alerter.int("used") == 0)

            // Only the successful grants exist.
            let grants = try await client.must(.get, "/api/v1/admin/authorizations?companyId=\(companyId)", token: token).items()
            #expect(grants.count == 2)
            #expect(!grants.contains { $0.int64("granteeId") == three && $0.string("granteeType") == "group" })

            // Licences cannot drop below what is in use.
            let lower = try await client.setLicence("Caller", companyId: companyId, available: 1, token: token)
            expectProblem(lower, .conflict, "licences_in_use")
            let unchanged = try await client.must(.get, "/api/v1/admin/licences?companyId=\(companyId)", token: token).items()
            #expect(unchanged.first { $0.string("application") == "Caller" }?.int("available") == 2)
            // Raising works and frees a licence.
            let raised = try await client.setLicence("Caller", companyId: companyId, available: 3, token: token)
            #expect(raised.status == .ok)
            #expect(try raised.json().int("free") == 1)
            #expect((try await client.addMember(groupId: two, userId: users[5], token: token)).status == .noContent)
        }
    }

    @Test
    func concurrentGrantsNeverExceedTheLicences() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tws-licences-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await TWSTestApp.run(database: try AppDatabase.open(directory: directory)) { client in
            let token = try await client.superUserToken()
            let companyId = try await client.createCompany("Busy", token: token)
            try await client.must(.put, "/api/v1/admin/licences/Caller?companyId=\(companyId)", token: token, json: #"{"available":3}"#)
            let domainId = try await client.createDomain(companyId: companyId, name: "Main", token: token)
            var users: [Int64] = []
            for index in 1...10 { users.append(try await client.createUser(domainId: domainId, username: "busy\(index)", token: token)) }

            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for user in users {
                    group.addTask { try await client.grantApplication("Caller", granteeType: "user", granteeId: user, token: token).status.code }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 3, "\(statuses)")
            #expect(statuses.filter { $0 == 409 }.count == 7, "\(statuses)")
            let licences = try await client.must(.get, "/api/v1/admin/licences?companyId=\(companyId)", token: token).items()
            #expect(licences.first { $0.string("application") == "Caller" }?.int("used") == 3)
        }
    }

    @Test
    func licencesAreCountedPerCompany() async throws {
        try await TWSTestApp.run { client in
            let token = try await client.superUserToken()
            let first = try await client.createCompany("First", token: token)
            let second = try await client.createCompany("Second", token: token)
            try await client.must(.put, "/api/v1/admin/licences/Caller?companyId=\(first)", token: token, json: #"{"available":1}"#)
            let firstDomain = try await client.createDomain(companyId: first, name: "D1", token: token)
            let secondDomain = try await client.createDomain(companyId: second, name: "D2", token: token)
            let firstUser = try await client.createUser(domainId: firstDomain, username: "one", token: token)
            let secondUser = try await client.createUser(domainId: secondDomain, username: "two", token: token)
            #expect(try await client.grantApplication("Caller", granteeType: "user", granteeId: firstUser, token: token).status == .created)
            // The second company has no Caller licence of its own.
            expectProblem(
                try await client.grantApplication("Caller", granteeType: "user", granteeId: secondUser, token: token),
                .conflict,
                "licence_exhausted"
            )
            let secondLicences = try await client.must(.get, "/api/v1/admin/licences?companyId=\(second)", token: token).items()
            #expect(secondLicences.first { $0.string("application") == "Caller" }?.int("used") == 0)
        }
    }
}

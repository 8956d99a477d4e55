import Auth
import Domain
import Foundation
import HummingbirdBcrypt
import HummingbirdTesting
import Storage
import Testing

/// Passwords: every byte counts (no NUL cut, no 72-byte horizon), control characters refused where passwords are set,
/// old hashes still verified and upgraded, a reset ends the user's sessions.
@Suite("Passwords")
struct PasswordTests {
    /// A company, a domain and a user created with `password`; returns the super-user token and the domain and user ids.
    static func world(_ client: some TestClientProtocol, password: String) async throws -> (admin: String, domainId: Int64, userId: Int64) {
        let admin = try await client.superUserToken()
        let company = try await client.createCompany("Acme", token: admin)
        let domainId = try await client.createDomain(companyId: company, name: "Paris", token: admin)
        let userId = try await client.createUser(domainId: domainId, username: "alice", password: password, token: admin)
        return (admin, domainId, userId)
    }

    @Test(
        "Control characters are refused wherever a password is set, naming the field, and nothing is stored",
        arguments: ["abc\u{0}defghij", "abcdefgh\u{1}", "tab\there-password", "line\nbreak-password", "del\u{7F}eted-password", "c1\u{85}control-pw"]
    )
    func controlCharactersRefused(password: String) async throws {
        try await TWSTestApp.run { client in
            let (admin, domainId, userId) = try await Self.world(client, password: "good-password")
            let created = try await client.post(
                "/api/v1/admin/domains/\(domainId)/users",
                token: admin,
                json: jsonObject(["username": "bob", "password": password])
            )
            expectProblem(created, .badRequest, "invalid_field")
            #expect(created.problem?.field == "password")
            expectProblem(try await client.patch("/api/v1/admin/users/\(userId)", token: admin, json: jsonObject(["password": password])), .badRequest, "invalid_field")
            expectProblem(
                try await client.post(
                    "/api/v1/admin/admins",
                    token: admin,
                    json: jsonObject(["username": "second", "password": password, "superUser": true, "companyIds": []])
                ),
                .badRequest,
                "invalid_field"
            )
            let change = try await client.changePassword(token: admin, current: TWSTestApp.superPassword, new: password)
            expectProblem(change, .badRequest, "invalid_field")
            #expect(change.problem?.field == "newPassword")
            // Nothing changed: alice keeps her password, the super-user his.
            _ = try await client.userLogin(username: "alice", password: "good-password")
            _ = try await client.adminLogin("tws", TWSTestApp.superPassword)
        }
    }

    @Test("Every byte counts: passwords of 72, 73 and 200 bytes differing only in their last byte are different passwords", arguments: [72, 73, 200])
    func longPasswordsDifferAtTheEnd(bytes: Int) async throws {
        let password = String(repeating: "a", count: bytes - 1) + "x"
        let almost = String(repeating: "a", count: bytes - 1) + "y"
        try await TWSTestApp.run { client in
            _ = try await Self.world(client, password: password)
            _ = try await client.userLogin(username: "alice", password: password)
            expectProblem(try await client.userLoginResponse(username: "alice", password: almost), .unauthorized, "invalid_credentials")
            if bytes > 72 {
                // Its first 72 bytes, all bcrypt alone would read, are not the password either.
                expectProblem(
                    try await client.userLoginResponse(username: "alice", password: String(password.prefix(72))),
                    .unauthorized,
                    "invalid_credentials"
                )
            }
        }
    }

    @Test("Non-ASCII passwords sign in exactly, and a prefix up to a NUL is not the password")
    func nonASCIIAndNUL() async throws {
        let password = "Zoé-Ünïcødé-パスワード-🔑"
        try await TWSTestApp.run { client in
            _ = try await Self.world(client, password: password)
            _ = try await client.userLogin(username: "alice", password: password)
            expectProblem(try await client.userLoginResponse(username: "alice", password: "Zoe-Unicode"), .unauthorized, "invalid_credentials")
            expectProblem(
                try await client.userLoginResponse(username: "alice", password: "Zoé-Ünïcødé-パスワード-🔑\u{0}more"),
                .unauthorized,
                "invalid_credentials"
            )
        }
    }

    @Test("A hash of the old form (plain bcrypt) still signs in, refuses a NUL-cut attempt, and is upgraded at sign-in")
    func oldHashesUpgraded() async throws {
        let database = try AppDatabase.inMemory()
        try await TWSTestApp.run(database: database) { client in
            let (_, _, userId) = try await Self.world(client, password: "placeholder-pw")
            let legacy = Bcrypt.hash("legacy-password", cost: 4)
            try await database.write { tx in
                var user = try #require(try tx.user(id: userId))
                user.passwordHash = legacy
                try tx.update(user)
            }
            expectProblem(
                try await client.userLoginResponse(username: "alice", password: "legacy-password\u{0}whatever"),
                .unauthorized,
                "invalid_credentials"
            )
            _ = try await client.userLogin(username: "alice", password: "legacy-password")
            let stored = try await database.read { tx in try tx.user(id: userId)?.passwordHash }
            #expect(stored?.hasPrefix("$twsp1$$2") == true)
            #expect(stored != legacy)
            _ = try await client.userLogin(username: "alice", password: "legacy-password")
            expectProblem(try await client.userLoginResponse(username: "alice", password: "legacy-passwor"), .unauthorized, "invalid_credentials")
        }
    }

    @Test("Resetting a user's password ends every session of theirs at once; the new password signs in")
    func resetEndsSessions() async throws {
        try await TWSTestApp.run { client in
            let (admin, _, userId) = try await Self.world(client, password: "first-password")
            let first = try await client.userLogin(username: "alice", password: "first-password")
            let second = try await client.userLogin(username: "alice", password: "first-password")
            _ = try await client.must(.get, "/api/v1/me", token: first)
            try await client.must(.patch, "/api/v1/admin/users/\(userId)", token: admin, json: #"{"password":"second-password"}"#)
            for token in [first, second] {
                expectProblem(try await client.get("/api/v1/me", token: token), .unauthorized, "unauthenticated")
            }
            expectProblem(try await client.userLoginResponse(username: "alice", password: "first-password"), .unauthorized, "invalid_credentials")
            let fresh = try await client.userLogin(username: "alice", password: "second-password")
            _ = try await client.must(.get, "/api/v1/me", token: fresh)
            // Changing something else keeps the session.
            try await client.must(.patch, "/api/v1/admin/users/\(userId)", token: admin, json: #"{"firstName":"Alice"}"#)
            _ = try await client.must(.get, "/api/v1/me", token: fresh)
        }
    }

    @Test("An administrator changing another admin's password ends that admin's sessions; their own change keeps the current one")
    func adminPasswordChangesEndOtherSessions() async throws {
        try await TWSTestApp.run { client in
            let superToken = try await client.superUserToken()
            let otherSession = try await client.adminLogin("tws", TWSTestApp.superPassword).token
            let adminId = try await client.create(
                "/api/v1/admin/admins",
                token: superToken,
                json: jsonObject(["username": "second", "password": "second-password", "superUser": true, "companyIds": []])
            )
            let secondToken = try await client.adminLogin("second", "second-password").token
            try await client.must(.patch, "/api/v1/admin/admins/\(adminId)", token: superToken, json: #"{"password":"second-password-2"}"#)
            expectProblem(try await client.get("/api/v1/admin/companies", token: secondToken), .unauthorized, "unauthenticated")
            let change = try await client.changePassword(token: superToken, current: TWSTestApp.superPassword, new: "super-secret-password-2")
            #expect(change.status == .noContent)
            _ = try await client.must(.get, "/api/v1/admin/companies", token: superToken)
            expectProblem(try await client.get("/api/v1/admin/companies", token: otherSession), .unauthorized, "unauthenticated")
        }
    }
}

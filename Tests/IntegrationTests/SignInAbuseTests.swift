import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

/// Brute force, locks, the audit log and token refresh, through the real HTTP application.
@Suite("Sign-in abuse, audit log and token refresh")
struct SignInAbuseTests {
    /// A company "Acme" with domain "Paris" and users alice and bob (password `right-password`); another company
    /// "Other" with user carol; a company administrator of Acme.
    struct World {
        let superToken: String
        let acmeAdmin: String
        let acme: Int64
        let other: Int64
        let alice: Int64

        static func make(_ client: some TestClientProtocol) async throws -> World {
            let superToken = try await client.superUserToken()
            let acme = try await client.createCompany("Acme", token: superToken)
            let paris = try await client.createDomain(companyId: acme, name: "Paris", token: superToken)
            let alice = try await client.createUser(domainId: paris, username: "alice", password: "right-password", token: superToken)
            _ = try await client.createUser(domainId: paris, username: "bob", password: "right-password", token: superToken)
            let other = try await client.createCompany("Other", token: superToken)
            let otherDomain = try await client.createDomain(companyId: other, name: "Lyon", token: superToken)
            _ = try await client.createUser(domainId: otherDomain, username: "carol", password: "right-password", token: superToken)
            _ = try await client.create(
                "/api/v1/admin/admins",
                token: superToken,
                json: jsonObject(["username": "acme-admin", "password": "acme-admin-password", "superUser": false, "companyIds": [acme]])
            )
            let acmeAdmin = try await client.adminLogin("acme-admin", "acme-admin-password").token
            return World(superToken: superToken, acmeAdmin: acmeAdmin, acme: acme, other: other, alice: alice)
        }
    }

    static func audit(_ client: some TestClientProtocol, _ token: String, _ query: String = "") async throws -> [[String: Any]] {
        try await client.must(.get, "/api/v1/admin/audit-log\(query)", token: token).items()
    }

    @Test("Five wrong passwords lock the name for 15 minutes, even for the right password; other users are not affected")
    func bruteForceLocksTheUser() async throws {
        try await TWSTestApp.run { client in
            let world = try await World.make(client)
            for _ in 1...5 {
                expectProblem(try await client.userLoginResponse(username: "alice", password: "guess"), .unauthorized, "invalid_credentials")
            }
            let locked = try await client.userLoginResponse(username: "alice", password: "right-password")
            expectProblem(locked, .tooManyRequests, "login_locked")
            // 15 minutes from the fifth failure, counted down in whole seconds: a loaded machine may already be a second in.
            let retry = locked.headers[.retryAfter].flatMap { Int($0) }
            #expect(retry.map { (895...900).contains($0) } == true, "Retry-After \(String(describing: retry))")
            #expect(locked.problem?.detail?.contains("retry in \(retry ?? 0) s") == true)
            // The same name in other case is the same name.
            expectProblem(try await client.userLoginResponse(username: "ALICE", password: "right-password"), .tooManyRequests, "login_locked")
            _ = try await client.userLogin(username: "bob", password: "right-password")

            let lines = try await Self.audit(client, world.superToken, "?q=alice")
            let kinds = lines.compactMap { $0.string("kind") }
            #expect(kinds.filter { $0 == "login_failed" }.count == 5)
            #expect(kinds.filter { $0 == "login_locked" }.count == 3, "the lock itself, then the two refused attempts: \(kinds)")
            let lock = try #require(lines.last { $0.string("kind") == "login_locked" })
            #expect(lock.string("detail") == "user locked for 900 s after repeated failures")
            #expect(lock.int64("userId") == world.alice && lock.int64("companyId") == world.acme)
            let text = try await client.must(.get, "/api/v1/admin/audit-log?limit=500", token: world.superToken).text
            #expect(!text.contains("guess") && !text.contains("right-password"), "no password in the audit log")
        }
    }

    @Test("Names that match no user lock the same way, so a lock does not reveal which names exist")
    func unknownNamesLockToo() async throws {
        try await TWSTestApp.run { client in
            let world = try await World.make(client)
            for _ in 1...5 {
                expectProblem(try await client.userLoginResponse(username: "nobody", password: "guess"), .unauthorized, "invalid_credentials")
            }
            expectProblem(try await client.userLoginResponse(username: "nobody", password: "guess"), .tooManyRequests, "login_locked")
            let lines = try await Self.audit(client, world.superToken, "?q=nobody")
            #expect(lines.allSatisfy { $0["companyId"] == nil && $0["userId"] == nil })
            // A company administrator does not see failures that belong to no company.
            #expect(try await Self.audit(client, world.acmeAdmin, "?q=nobody").isEmpty)
        }
    }

    @Test("Twenty failures from one client address lock the address, whatever the names tried")
    func passwordSprayingLocksTheAddress() async throws {
        // Over a real socket: the client address is what is counted.
        try await TWSTestApp.run(.live) { client in
            let world = try await World.make(client)
            // Four tries each on five names: no name reaches its own limit.
            for round in 1...4 {
                for name in ["alice", "bob", "carol", "dave", "erin"] {
                    let answer = try await client.userLoginResponse(username: name, password: "spray-\(round)")
                    expectProblem(answer, .unauthorized, "invalid_credentials")
                }
            }
            expectProblem(try await client.userLoginResponse(username: "bob", password: "right-password"), .tooManyRequests, "login_locked")
            let lock = try #require(try await Self.audit(client, world.superToken, "?kind=login_locked").last)
            #expect(lock.string("detail")?.hasPrefix("address locked") == true)
            #expect(lock.string("clientAddress") == "127.0.0.1")
        }
    }

    @Test("Administrator sign-ins are locked and audited the same way")
    func administratorBruteForce() async throws {
        try await TWSTestApp.run { client in
            let world = try await World.make(client)
            for _ in 1...5 {
                expectProblem(try await client.adminLoginResponse("acme-admin", "guess"), .unauthorized, "invalid_credentials")
            }
            expectProblem(try await client.adminLoginResponse("acme-admin", "acme-admin-password"), .tooManyRequests, "login_locked")
            let failed = try await Self.audit(client, world.superToken, "?kind=admin_login_failed")
            #expect(failed.count == 7, "five failures, the lock, the refused attempt")
            #expect(try await Self.audit(client, world.superToken, "?kind=admin_login_succeeded").count >= 2)
        }
    }

    @Test("The audit log: sign-in, refresh, sign-out; a company administrator sees only their companies")
    func auditLogScope() async throws {
        try await TWSTestApp.run { client in
            let world = try await World.make(client)
            let token = try await client.userLogin(username: "alice", password: "right-password")
            _ = try await client.userLogin(username: "carol", password: "right-password")
            let refreshed = try await client.must(.post, "/api/v1/auth/refresh", token: token).json()
            let fresh = try #require(refreshed.string("token"))
            #expect(refreshed.string("method") == "TWS" && refreshed.int64("userId") == world.alice)
            // The old token stops at once; the new one works, then signs out.
            expectProblem(try await client.get("/api/v1/me", token: token), .unauthorized, "unauthenticated")
            try await client.must(.get, "/api/v1/me", token: fresh)
            try await client.must(.post, "/api/v1/auth/logout", token: fresh, answer: .noContent)
            expectProblem(try await client.send(.post, "/api/v1/auth/refresh", token: fresh), .unauthorized, "unauthenticated")

            let acmeLines = try await Self.audit(client, world.acmeAdmin)
            #expect(acmeLines.prefix(3).compactMap { $0.string("kind") } == ["logout", "session_refreshed", "login_succeeded"])
            #expect(acmeLines.allSatisfy { $0.int64("companyId") == world.acme })
            #expect(!acmeLines.contains { $0.string("username") == "carol" })
            expectProblem(try await client.get("/api/v1/admin/audit-log?companyId=\(world.other)", token: world.acmeAdmin), .notFound, "not_found")
            let carol = try await Self.audit(client, world.superToken, "?companyId=\(world.other)")
            #expect(carol.compactMap { $0.string("username") } == ["carol"])
            expectProblem(try await client.get("/api/v1/admin/audit-log?kind=coffee", token: world.superToken), .badRequest, "invalid_request")
        }
    }
}

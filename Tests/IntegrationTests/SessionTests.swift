import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("User sessions")
struct SessionTests {
    /// A company "Acme" with domain "Main", user "sam" (password set) with one device, and Caller licences.
    struct Setup: Sendable {
        var token: String
        var companyId: Int64
        var domainId: Int64
        var userId: Int64
        var deviceId: Int64
        static let password = "sam-password"

        static func make(_ client: some TestClientProtocol) async throws -> Setup {
            let token = try await client.superUserToken()
            let companyId = try await client.createCompany("Acme", token: token)
            try await client.must(.put, "/api/v1/admin/licences/Caller?companyId=\(companyId)", token: token, json: #"{"available":5}"#)
            let domainId = try await client.createDomain(companyId: companyId, name: "Main", token: token)
            let userId = try await client.createUser(domainId: domainId, username: "sam", password: password, token: token)
            let deviceId = try await client.create(
                "/api/v1/admin/users/\(userId)/devices",
                token: token,
                json: #"{"number":"2001","protocol":"SIP"}"#
            )
            return Setup(token: token, companyId: companyId, domainId: domainId, userId: userId, deviceId: deviceId)
        }

        func login(_ client: some TestClientProtocol) async throws -> String {
            try await client.userLogin(company: "Acme", domain: "Main", username: "sam", password: Self.password)
        }
    }

    @Test
    func wrongPasswordAndUnknownUserGetTheSame401() async throws {
        try await TWSTestApp.run { client in
            _ = try await Setup.make(client)
            let wrongPassword = try await client.userLoginResponse(company: "Acme", domain: "Main", username: "sam", password: "not-the-password")
            let unknownUser = try await client.userLoginResponse(company: "Acme", domain: "Main", username: "nobody", password: "not-the-password")
            let noPassword = try await client.userLoginResponse(company: "Acme", domain: "Main", username: "sam")
            expectProblem(wrongPassword, .unauthorized, "invalid_credentials", "wrong password:")
            expectProblem(unknownUser, .unauthorized, "invalid_credentials", "unknown user:")
            expectProblem(noPassword, .unauthorized, "invalid_credentials", "no password:")
            #expect(wrongPassword.problem == unknownUser.problem)
            #expect(wrongPassword.canonicalJSON == unknownUser.canonicalJSON)
            // The right password works, with the default method TWS.
            let good = try await client.userLoginResponse(company: "Acme", domain: "Main", username: "sam", password: Setup.password)
            #expect(good.status == .ok, "\(good.text)")
            #expect(try good.json().string("method") == "TWS")
            #expect(try good.json().int64("userId") != nil)
        }
    }

    /// RFC 9110: the scheme is case-insensitive; spaces around the token are not part of it.
    @Test
    func theBearerSchemeIsReadWithoutRegardToCaseAndAnythingElseIsRefused() async throws {
        try await TWSTestApp.run { client in
            let setup = try await Setup.make(client)
            let token = try await setup.login(client)
            func me(_ authorization: String) async throws -> TestResponse {
                try await client.send(.get, "/api/v1/me", headers: [.authorization: authorization])
            }
            for accepted in ["Bearer \(token)", "bearer \(token)", "BEARER \(token)", "Bearer   \(token) \t"] {
                let answer = try await me(accepted)
                #expect(answer.status == .ok, "\(accepted.prefix(9)): \(answer.text)")
                #expect(try answer.json().object("user")?.string("username") == "sam")
            }
            for refused in ["Bearer", "Bearer ", "Bearer    ", "Bearer\t\(token)", "Bearerx \(token)", "Beare \(token)", "Basic \(token)",
                "Negotiate \(token)", "Bearer \(token)x", "Bearer é\(token)"]
            {
                expectProblem(try await me(refused), .unauthorized, "unauthenticated", "\(refused.prefix(10))")
            }
        }
    }

    @Test
    func sameUsernameInTwoCompaniesLogsIntoTheNamedOne() async throws {
        try await TWSTestApp.run { client in
            let setup = try await Setup.make(client)
            let otherCompany = try await client.createCompany("Globex", token: setup.token)
            let otherDomain = try await client.createDomain(companyId: otherCompany, name: "Main", token: setup.token)
            let otherSam = try await client.createUser(domainId: otherDomain, username: "sam", password: "globex-password", token: setup.token)

            let acme = try await client.userLoginResponse(company: "Acme", domain: "Main", username: "sam", password: Setup.password)
            #expect(try acme.json().int64("userId") == setup.userId)
            let globex = try await client.userLoginResponse(company: "Globex", domain: "Main", username: "sam", password: "globex-password")
            #expect(try globex.json().int64("userId") == otherSam)
            // One company's password does not open the other company's account.
            expectProblem(
                try await client.userLoginResponse(company: "Globex", domain: "Main", username: "sam", password: Setup.password),
                .unauthorized,
                "invalid_credentials"
            )
            // Without company and domain, the password tells which "sam" logs in; a wrong one answers
            // exactly like an unknown user, so the ambiguity itself is not revealed.
            #expect(try await client.userLoginResponse(username: "sam", password: "globex-password").json().int64("userId") == otherSam)
            expectProblem(try await client.userLoginResponse(username: "sam", password: "neither-password"), .unauthorized, "invalid_credentials")
            // Only when the same password opens both does the login ask for the company and domain.
            #expect(
                try await client.patch("/api/v1/admin/users/\(otherSam)", token: setup.token, json: jsonObject(["password": Setup.password])).status
                    == .ok
            )
            expectProblem(
                try await client.userLoginResponse(username: "sam", password: Setup.password),
                .badRequest,
                "domain_required",
                field: "domain"
            )
        }
    }

    @Test
    func domainAuthMethodsNoneLetsUsersInWithoutPassword() async throws {
        try await TWSTestApp.run { client in
            let setup = try await Setup.make(client)
            expectProblem(try await client.userLoginResponse(username: "sam"), .unauthorized, "invalid_credentials", "before None:")
            let set = try await client.setParameter(
                scope: "domain",
                scopeId: setup.domainId,
                application: "TwsServer",
                name: "AuthMethods",
                value: "None",
                token: setup.token
            )
            #expect(set.status == .ok)
            let login = try await client.userLoginResponse(username: "sam")
            #expect(login.status == .ok, "\(login.text)")
            let body = try login.json()
            #expect(body.string("method") == "None")
            #expect(body["methods"] as? [String] == ["None"])
            #expect(body.int64("userId") == setup.userId)
            // Still unknown users get nothing.
            expectProblem(try await client.userLoginResponse(username: "nobody"), .unauthorized, "invalid_credentials")
        }
    }

    @Test
    func meDescribesTheSignedInUser() async throws {
        try await TWSTestApp.run { client in
            let setup = try await Setup.make(client)
            let grant = try await client.grantApplication("Caller", granteeType: "user", granteeId: setup.userId, token: setup.token)
            #expect(grant.status == .created)
            _ = try await client.setParameter(
                scope: "user",
                scopeId: setup.userId,
                application: "Caller",
                name: "AuthorizeChat",
                value: "false",
                token: setup.token
            )
            let token = try await setup.login(client)

            let me = try await client.must(.get, "/api/v1/me", token: token).json()
            #expect(me.object("user")?.int64("id") == setup.userId)
            #expect(me.object("user")?.string("username") == "sam")
            #expect(me.object("user")?.bool("hasPassword") == true)
            #expect(me.object("domain")?.int64("id") == setup.domainId)
            #expect(me.object("company")?.string("name") == "Acme")
            #expect(me.objects("devices")?.compactMap { $0.string("number") } == ["2001"])
            #expect(me.objects("devices")?.first?.string("protocol") == "SIP")
            #expect(me.objects("applications")?.compactMap { $0.string("code") } == ["Caller"])
            let parameters = try #require(me.objects("parameters"))
            let chat = parameters.first { $0.string("application") == "Caller" && $0.string("name") == "AuthorizeChat" }
            #expect(chat?.string("value") == "false")
            #expect(chat?.string("source") == "user")
            let methods = parameters.first { $0.string("application") == "TwsServer" && $0.string("name") == "AuthMethods" }
            #expect(methods?.string("value") == "TWS")
            #expect(methods?.string("source") == "default")
            // Only the server's and the granted applications' parameters.
            #expect(Set(parameters.compactMap { $0.string("application") }) == ["TwsServer", "Caller"])
            // Secrets never leave the server.
            let text = try await client.get("/api/v1/me", token: token).text
            #expect(!text.contains(Setup.password) && !text.contains("$2"))
        }
    }

    @Test
    func logoutEndsTheSession() async throws {
        try await TWSTestApp.run { client in
            let setup = try await Setup.make(client)
            let token = try await setup.login(client)
            let other = try await setup.login(client)
            try await client.must(.get, "/api/v1/me", token: token)
            #expect(try await client.send(.post, "/api/v1/auth/logout", token: token).status == .noContent)
            expectProblem(try await client.get("/api/v1/me", token: token), .unauthorized, "unauthenticated")
            expectProblem(try await client.send(.post, "/api/v1/auth/logout", token: token), .unauthorized, "unauthenticated")
            // Another session of the same user lives on.
            try await client.must(.get, "/api/v1/me", token: other)
        }
    }

    @Test
    func disablingAUserKillsItsLiveTokensAtOnce() async throws {
        try await TWSTestApp.run { client in
            let setup = try await Setup.make(client)
            let token = try await setup.login(client)
            try await client.must(.get, "/api/v1/me", token: token)
            try await client.must(.patch, "/api/v1/admin/users/\(setup.userId)", token: setup.token, json: #"{"enabled":false}"#)
            expectProblem(try await client.get("/api/v1/me", token: token), .unauthorized, "unauthenticated", "disabled user's token:")
            expectProblem(
                try await client.userLoginResponse(company: "Acme", domain: "Main", username: "sam", password: Setup.password),
                .unauthorized,
                "invalid_credentials",
                "disabled user's login:"
            )
            // Enabling again does not resurrect the old token, but allows a new login.
            try await client.must(.patch, "/api/v1/admin/users/\(setup.userId)", token: setup.token, json: #"{"enabled":true}"#)
            expectProblem(try await client.get("/api/v1/me", token: token), .unauthorized, "unauthenticated", "old token after re-enabling:")
            try await client.must(.get, "/api/v1/me", token: try await setup.login(client))
        }
    }

    @Test
    func deletingAUserKillsItsLiveTokensAtOnce() async throws {
        try await TWSTestApp.run { client in
            let setup = try await Setup.make(client)
            let token = try await setup.login(client)
            try await client.must(.get, "/api/v1/me", token: token)
            try await client.must(.delete, "/api/v1/admin/users/\(setup.userId)", token: setup.token, answer: .noContent)
            expectProblem(try await client.get("/api/v1/me", token: token), .unauthorized, "unauthenticated")
            expectProblem(
                try await client.get("/api/v1/admin/devices/\(setup.deviceId)", token: setup.token),
                .notFound,
                "not_found",
                "device of deleted user:"
            )
            expectProblem(
                try await client.userLoginResponse(company: "Acme", domain: "Main", username: "sam", password: Setup.password),
                .unauthorized,
                "invalid_credentials"
            )
        }
    }
}

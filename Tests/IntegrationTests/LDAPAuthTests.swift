import Auth
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The LDAP sign-in method (admin guide 6.3) through the real HTTP app, against a real slapd.
@Suite("LDAP sign-in", .slapd)
struct LDAPAuthTests {
    static let dnTemplate = "uid=?,ou=people,dc=example,dc=org"
    static let oddName = #"o,dd+na"me\x=y"#

    /// Company "Acme", domain "Main" with the given users (no TWS password) and the domain's
    /// TWS Server parameters pointing at the suite's slapd.
    struct Setup: Sendable {
        var token: String
        var domainId: Int64
        var userIds: [String: Int64]

        static func make(
            _ client: some TestClientProtocol,
            users: [String],
            domainParameters: [String: String] = [:]
        ) async throws -> Setup {
            let ldap = try #require(LDAPTestServer.current)
            let token = try await client.superUserToken()
            let companyId = try await client.createCompany("Acme", token: token)
            let domainId = try await client.createDomain(companyId: companyId, name: "Main", token: token)
            var userIds: [String: Int64] = [:]
            for name in users { userIds[name] = try await client.createUser(domainId: domainId, username: name, token: token) }
            let setup = Setup(token: token, domainId: domainId, userIds: userIds)
            let defaults = [
                "AuthMethods": "LDAP", "AuthLdapServer": "127.0.0.1", "AuthLdapPort": String(ldap.port), "AuthLdapDn": LDAPAuthTests.dnTemplate,
            ]
            for (name, value) in defaults.merging(domainParameters, uniquingKeysWith: { _, new in new }) {
                try await setup.set(client, scope: "domain", id: domainId, name, value)
            }
            return setup
        }

        /// Sets a TWS Server parameter at `scope`.
        func set(_ client: some TestClientProtocol, scope: String, id: Int64, _ name: String, _ value: String) async throws {
            let response = try await client.setParameter(scope: scope, scopeId: id, application: "TwsServer", name: name, value: value, token: token)
            try #require(response.status == .ok, "set \(scope) \(name)=\(value): \(response.status.code) \(response.text)")
        }
    }

    /// POST /api/v1/auth/login in Acme/Main.
    static func login(_ client: some TestClientProtocol, _ username: String, _ password: String?) async throws -> TestResponse {
        try await client.userLoginResponse(company: "Acme", domain: "Main", username: username, password: password)
    }

    /// Expects a 200 login through the LDAP method.
    static func expectLDAPLogin(_ response: TestResponse, _ context: String = "", sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(response.status == .ok, "\(context) \(response.status.code) \(response.text)", sourceLocation: sourceLocation)
        guard response.status == .ok else { return }
        let body = try response.json()
        #expect(body.string("method") == "LDAP", "\(context) \(response.text)", sourceLocation: sourceLocation)
        #expect(body.string("token")?.isEmpty == false, sourceLocation: sourceLocation)
    }

    var ldap: LDAPTestServer {
        get throws { try #require(LDAPTestServer.current, "the suite runs with the .slapd fixture") }
    }

    @Test
    func rightPasswordSignsInWithMethodLDAP() async throws {
        try await TWSTestApp.run { client in
            let setup = try await Setup.make(client, users: ["alice"])
            let response = try await Self.login(client, "alice", "alice-secret")
            try Self.expectLDAPLogin(response)
            #expect(try response.json().int64("userId") == setup.userIds["alice"])
            #expect(try response.json()["methods"] as? [String] == ["LDAP"])
        }
    }

    @Test
    func wrongPasswordAnswersLikeAnUnknownUser() async throws {
        try await TWSTestApp.run { client in
            _ = try await Setup.make(client, users: ["alice"])
            let wrong = try await Self.login(client, "alice", "not-alice-secret")
            expectProblem(wrong, .unauthorized, "invalid_credentials", "wrong password:")
            let unknown = try await Self.login(client, "nobody", "not-alice-secret")
            #expect(wrong.canonicalJSON == unknown.canonicalJSON)
        }
    }

    @Test
    func emptyPasswordIsRefusedAlthoughTheServerWouldAcceptIt() async throws {
        let ldap = try ldap
        // The fixture answers "DN + empty password" with success (an unauthenticated bind, RFC 4513 5.1.2):
        // a product that passed the empty password on would let anyone in.
        let whoami = try await Self.run(
            "/usr/bin/ldapwhoami",
            ["-x", "-H", "ldap://127.0.0.1:\(ldap.port)", "-D", "uid=emptypw,ou=people,dc=example,dc=org", "-w", ""]
        )
        #expect(whoami.status == 0 && whoami.output.contains("anonymous"), "slapd should accept the unauthenticated bind: \(whoami)")

        try await TWSTestApp.run { client in
            _ = try await Setup.make(client, users: ["emptypw", "alice"])
            expectProblem(try await Self.login(client, "emptypw", ""), .unauthorized, "invalid_credentials", "empty password:")
            expectProblem(try await Self.login(client, "emptypw", nil), .unauthorized, "invalid_credentials", "no password:")
            expectProblem(try await Self.login(client, "alice", ""), .unauthorized, "invalid_credentials", "alice, empty password:")
            try Self.expectLDAPLogin(try await Self.login(client, "emptypw", "emptypw-secret"), "emptypw's real password:")
        }
    }

    @Test
    func emptyPasswordOpensNoConnection() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        try await TWSTestApp.run { client in
            _ = try await Setup.make(
                client,
                users: ["alice"],
                domainParameters: ["AuthLdapPort": String(listener.port), "AuthLdapConnectTimeoutSeconds": "1", "AuthLdapTimeoutSeconds": "1"]
            )
            expectProblem(try await Self.login(client, "alice", ""), .unauthorized, "invalid_credentials")
            expectProblem(try await Self.login(client, "alice", nil), .unauthorized, "invalid_credentials")
            #expect(listener.acceptedConnections() == 0, "an empty password must not reach the LDAP server")
            // The control: a real password does connect (and then times out against the silent listener).
            expectProblem(try await Self.login(client, "alice", "alice-secret"), .unauthorized, "invalid_credentials")
            #expect(listener.acceptedConnections() == 1)
        }
    }

    @Test
    func userUnknownToTheDirectoryIsRefused() async throws {
        try await TWSTestApp.run { client in
            _ = try await Setup.make(client, users: ["carol"])
            expectProblem(try await Self.login(client, "carol", "alice-secret"), .unauthorized, "invalid_credentials")
        }
    }

    @Test
    func directoryUserWithoutAnAccountOnTheServerIsRefused() async throws {
        try await TWSTestApp.run { client in
            _ = try await Setup.make(client, users: ["alice"])
            // bob binds fine against the directory, but the server has no user bob.
            expectProblem(try await Self.login(client, "bob", "bob-secret"), .unauthorized, "invalid_credentials")
        }
    }

    @Test
    func disabledUserIsRefusedWithTheRightPassword() async throws {
        try await TWSTestApp.run { client in
            let setup = try await Setup.make(client, users: ["alice"])
            let alice = try #require(setup.userIds["alice"])
            try await client.must(.patch, "/api/v1/admin/users/\(alice)", token: setup.token, json: #"{"enabled":false}"#)
            expectProblem(try await Self.login(client, "alice", "alice-secret"), .unauthorized, "invalid_credentials")
            try await client.must(.patch, "/api/v1/admin/users/\(alice)", token: setup.token, json: #"{"enabled":true}"#)
            try Self.expectLDAPLogin(try await Self.login(client, "alice", "alice-secret"), "enabled again:")
        }
    }

    @Test
    func userNameWithDNSpecialCharactersIsEscaped() async throws {
        try await TWSTestApp.run { client in
            let setup = try await Setup.make(client, users: [Self.oddName])
            let response = try await Self.login(client, Self.oddName, "odd-secret")
            try Self.expectLDAPLogin(response)
            #expect(try response.json().int64("userId") == setup.userIds[Self.oddName])
            expectProblem(try await Self.login(client, Self.oddName, "alice-secret"), .unauthorized, "invalid_credentials")
        }
    }

    @Test
    func serverDownAnswersInvalidCredentialsAndOtherMethodsStillWork() async throws {
        let closedPort = try LoopbackPort.free()
        try await TWSTestApp.run { client in
            let setup = try await Setup.make(
                client,
                users: ["alice"],
                domainParameters: ["AuthLdapPort": String(closedPort), "AuthLdapConnectTimeoutSeconds": "1", "AuthLdapTimeoutSeconds": "1"]
            )
            expectProblem(try await Self.login(client, "alice", "alice-secret"), .unauthorized, "invalid_credentials")
            // With LDAP|TWS, a directory that is down does not lock out a user who has a TWS password.
            let alice = try #require(setup.userIds["alice"])
            try await client.must(.patch, "/api/v1/admin/users/\(alice)", token: setup.token, json: #"{"password":"tws-password"}"#)
            try await setup.set(client, scope: "domain", id: setup.domainId, "AuthMethods", "LDAP|TWS")
            let fallback = try await Self.login(client, "alice", "tws-password")
            #expect(fallback.status == .ok, "\(fallback.text)")
            #expect(try fallback.json().string("method") == "TWS")
        }
    }

    @Test(arguments: ["ldap", "ldaps"])
    func silentServerEndsWithTheTimeOut(scheme: String) async throws {
        // Accepts connections and never answers: the bind (ldap) or the TLS handshake (ldaps) would wait
        // forever without the operation time-out and the watchdog.
        let listener = try SilentListener()
        defer { listener.close() }
        try await TWSTestApp.run { client in
            _ = try await Setup.make(
                client,
                users: ["alice"],
                domainParameters: [
                    "AuthLdapServer": "\(scheme)://127.0.0.1:\(listener.port)", "AuthLdapConnectTimeoutSeconds": "1", "AuthLdapTimeoutSeconds": "1",
                ]
            )
            expectProblem(try await Self.login(client, "alice", "alice-secret"), .unauthorized, "invalid_credentials")
        }
        #expect(listener.acceptedConnections() == 1)
    }

    @Test
    func startTLSWithTheServerCASignsIn() async throws {
        let ldap = try ldap
        try await TWSTestApp.run { client in
            _ = try await Setup.make(client, users: ["alice"], domainParameters: ["AuthLdapStartTls": "true", "AuthLdapCaFile": ldap.caFile])
            try Self.expectLDAPLogin(try await Self.login(client, "alice", "alice-secret"))
            expectProblem(try await Self.login(client, "alice", "wrong"), .unauthorized, "invalid_credentials")
        }
    }

    @Test
    func ldapsWithTheServerCASignsIn() async throws {
        let ldap = try ldap
        try await TWSTestApp.run { client in
            _ = try await Setup.make(
                client,
                users: ["alice"],
                domainParameters: ["AuthLdapServer": "ldaps://127.0.0.1:\(ldap.ldapsPort)", "AuthLdapCaFile": ldap.caFile]
            )
            try Self.expectLDAPLogin(try await Self.login(client, "alice", "alice-secret"))
        }
    }

    @Test(arguments: ["starttls", "ldaps"])
    func untrustedCertificateIsRefused(transport: String) async throws {
        let ldap = try ldap
        try await TWSTestApp.run { client in
            let tls: [String: String] =
                transport == "ldaps"
                ? ["AuthLdapServer": "ldaps://127.0.0.1:\(ldap.ldapsPort)"]
                : ["AuthLdapStartTls": "true"]
            let setup = try await Setup.make(client, users: ["alice"], domainParameters: tls.merging(["AuthLdapCaFile": ldap.otherCAFile]) { $1 })
            expectProblem(try await Self.login(client, "alice", "alice-secret"), .unauthorized, "invalid_credentials", "other CA:")
            // No CA file: the system CAs, which do not know the fixture's CA either.
            try await setup.set(client, scope: "domain", id: setup.domainId, "AuthLdapCaFile", "")
            expectProblem(try await Self.login(client, "alice", "alice-secret"), .unauthorized, "invalid_credentials", "system CAs:")
            // Certificate checks off (tests only): the same server is accepted.
            try await setup.set(client, scope: "domain", id: setup.domainId, "AuthLdapTlsVerify", "false")
            try Self.expectLDAPLogin(try await Self.login(client, "alice", "alice-secret"), "verify off:")
        }
    }

    @Test
    func parametersResolvePerGroupAndUser() async throws {
        let ldap = try ldap
        let closedPort = try LoopbackPort.free()
        try await TWSTestApp.run { client in
            // The domain signs in with TWS passwords; the "directory" group with LDAP.
            let setup = try await Setup.make(
                client,
                users: ["alice", "bob"],
                domainParameters: ["AuthMethods": "TWS", "AuthLdapPort": String(closedPort), "AuthLdapConnectTimeoutSeconds": "1"]
            )
            let alice = try #require(setup.userIds["alice"])
            let bob = try #require(setup.userIds["bob"])
            let group = try await client.createGroup(domainId: setup.domainId, name: "directory", token: setup.token)
            #expect(try await client.addMember(groupId: group, userId: alice, token: setup.token).status.code < 300)
            #expect(try await client.addMember(groupId: group, userId: bob, token: setup.token).status.code < 300)
            try await setup.set(client, scope: "group", id: group, "AuthMethods", "LDAP")
            try await setup.set(client, scope: "group", id: group, "AuthLdapPort", String(ldap.port))
            try Self.expectLDAPLogin(try await Self.login(client, "alice", "alice-secret"), "group scope:")

            // A user-level value wins over the group's: bob's directory entry is reached over ldaps.
            try await setup.set(client, scope: "user", id: bob, "AuthLdapServer", "ldaps://127.0.0.1:\(ldap.ldapsPort)")
            try await setup.set(client, scope: "user", id: bob, "AuthLdapCaFile", ldap.caFile)
            try Self.expectLDAPLogin(try await Self.login(client, "bob", "bob-secret"), "user scope:")
            // …and a user-level AuthLdapDn that names another entry no longer matches bob's password.
            try await setup.set(client, scope: "user", id: bob, "AuthLdapDn", "uid=?-other,ou=people,dc=example,dc=org")
            expectProblem(try await Self.login(client, "bob", "bob-secret"), .unauthorized, "invalid_credentials", "user DN:")
        }
    }

    /// Runs a command to its end; its standard output and error joined.
    static func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("tws-ldap-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let status = try await LDAPTestServer.spawn(executable, arguments, environment: ProcessInfo.processInfo.environment, output: output.path)
        return (status, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }
}

extension LDAPAuthTests {
    /// What `LDAPBind` reports for each kind of failure, so the server's log says what went wrong; runs
    /// inside the outer suite, against the same slapd.
    @Suite("LDAP bind outcomes")
    struct BindOutcomes {
        static let alice = "uid=alice,ou=people,dc=example,dc=org"

        @Test
        func outcomesNameTheProblem() async throws {
            let ldap = try #require(LDAPTestServer.current)
            let plain = "ldap://127.0.0.1:\(ldap.port)"
            let ldaps = "ldaps://127.0.0.1:\(ldap.ldapsPort)"
            let fast = (network: Duration.seconds(1), operation: Duration.seconds(1))
            func bind(
                _ url: String,
                startTLS: Bool = false,
                ca: String? = nil,
                _ dn: String = Self.alice,
                _ password: String = "alice-secret"
            ) async
                -> LDAPBindOutcome
            {
                await LDAPBind(url: url, startTLS: startTLS, caFile: ca, networkTimeout: fast.network, operationTimeout: fast.operation)
                    .run(dn: dn, password: password)
            }

            #expect(await bind(plain) == .success)
            #expect(await bind(plain, startTLS: true, ca: ldap.caFile) == .success)
            #expect(await bind(ldaps, ca: ldap.caFile) == .success)
            #expect(await bind(plain, Self.alice, "wrong") == .invalidCredentials)
            #expect(await bind(plain, "uid=ghost,ou=people,dc=example,dc=org", "whatever") == .invalidCredentials)
            // Never sent: an empty password would be an unauthenticated bind, which this slapd accepts.
            #expect(await bind(plain, Self.alice, "") == .invalidCredentials)

            guard case .tlsFailure = await bind(plain, startTLS: true, ca: ldap.otherCAFile) else {
                Issue.record("StartTLS with another CA should be a TLS failure")
                return
            }
            guard case .tlsFailure = await bind(ldaps, ca: ldap.otherCAFile) else {
                Issue.record("ldaps with another CA should be a TLS failure")
                return
            }
            guard case .tlsFailure(let unreadable) = await bind(ldaps, ca: "/nonexistent/ca.pem") else {
                Issue.record("a missing CA file should be a TLS failure")
                return
            }
            #expect(unreadable.contains("/nonexistent/ca.pem"))

            let closed = try LoopbackPort.free()
            guard case .unreachable(let refused) = await bind("ldap://127.0.0.1:\(closed)") else {
                Issue.record("a closed port should be unreachable")
                return
            }
            #expect(refused.contains("127.0.0.1:\(closed)"))

            let silent = try SilentListener()
            defer { silent.close() }
            for url in ["ldap://127.0.0.1:\(silent.port)", "ldaps://127.0.0.1:\(silent.port)"] {
                guard case .timedOut(let message) = await bind(url, ca: ldap.caFile) else {
                    Issue.record("\(url): a silent server should time out")
                    continue
                }
                #expect(message.contains(url))
            }
            guard case .timedOut = await bind("ldap://127.0.0.1:\(silent.port)", startTLS: true, ca: ldap.caFile) else {
                Issue.record("StartTLS to a silent server should time out")
                return
            }
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

/// Windows single sign-on (`GET /api/v1/auth/negotiate`) against a real MIT KDC, with `kinit` and
/// `curl --negotiate` as the client, over real TCP; NTLM through gss-ntlmssp with a user file.
@Suite("Windows sign-in (Negotiate: Kerberos and NTLM)")
struct NegotiateTests {
    /// Runs `test` against the live server with Windows sign-in configured from the realm, and users alice and
    /// dave in domain Paris whose AuthMethods is `WindowsSecurity|TWS`, and bob whose AuthMethods is `TWS` only.
    static func withServer(
        ntlmUsers: String? = nil,
        _ test: @Sendable (any TestClientProtocol, KerberosRealm, _ base: String, _ superToken: String) async throws -> Void
    ) async throws {
        let realm = try await KerberosRealm.shared.value
        try await TWSTestApp.run(
            .live,
            configure: { configuration in
                configuration.negotiateKeytab = realm.keytab
                configuration.negotiateService = "HTTP@localhost"
                configuration.negotiateRealms = "TWS.TEST, TWS"
                configuration.negotiateNTLMUsers = ntlmUsers
            }
        ) { client in
            let superToken = try await client.superUserToken()
            let company = try await client.createCompany("Acme", token: superToken)
            let domain = try await client.createDomain(companyId: company, name: "Paris", token: superToken)
            for name in ["alice", "bob", "dave"] {
                _ = try await client.createUser(domainId: domain, username: name, password: "tws-password", token: superToken)
            }
            _ = try await client.setParameter(
                scope: "domain",
                scopeId: domain,
                application: "TwsServer",
                name: "AuthMethods",
                value: "WindowsSecurity|TWS",
                token: superToken
            )
            let bob = try await client.must(.get, "/api/v1/admin/domains/\(domain)/users?q=bob", token: superToken).items().first?.int64("id")
            _ = try await client.setParameter(
                scope: "user",
                scopeId: try #require(bob),
                application: "TwsServer",
                name: "AuthMethods",
                value: "TWS",
                token: superToken
            )
            let port = try #require(client.port)
            try await test(client, realm, "http://localhost:\(port)/api/v1/auth/negotiate", superToken)
        }
    }

    static func audit(_ client: any TestClientProtocol, _ token: String) async throws -> [[String: Any]] {
        try await client.must(.get, "/api/v1/admin/audit-log?limit=500", token: token).items()
    }

    @Test("A Kerberos ticket signs alice in: the session works like a password one and the audit log names the principal")
    func kerberosSignIn() async throws {
        try await Self.withServer { client, realm, url, superToken in
            let cache = try await realm.credentialCache("alice@TWS.TEST", password: "alice-secret")
            let answer = try await realm.negotiate(url, cache: cache)
            try #require(answer.status == 200, "\(answer.body)")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
            #expect(body["method"] as? String == "WindowsSecurity")
            let token = try #require(body["token"] as? String)
            let me = try await client.must(.get, "/api/v1/me", token: token).json()
            #expect(me.object("user")?.string("username") == "alice")
            let line = try #require(try await Self.audit(client, superToken).first { $0.string("kind") == "login_succeeded" })
            #expect(line.string("method") == "WindowsSecurity")
            #expect(line.string("detail") == "alice@TWS.TEST (kerberos)")
        }
    }

    @Test("Without a ticket the server asks for Negotiate and nobody is signed in")
    func noTicket() async throws {
        try await Self.withServer { client, realm, url, _ in
            let answer = try await realm.negotiate(url, cache: try await realm.credentialCache("alice@TWS.TEST", password: nil))
            #expect(answer.status == 401)
            #expect(answer.body.contains("negotiate_required"))
            let bare = try await client.get("/api/v1/auth/negotiate", token: nil)
            #expect(bare.status == .unauthorized)
            #expect(bare.headers[.wwwAuthenticate] == "Negotiate")
        }
    }

    @Test("Refused: a principal with no product user, a user without WindowsSecurity, a realm not allowed, garbage")
    func refusals() async throws {
        try await Self.withServer { client, realm, url, superToken in
            let carol = try await realm.negotiate(url, cache: try await realm.credentialCache("carol@TWS.TEST", password: "carol-secret"))
            #expect(carol.status == 401 && carol.body.contains("invalid_credentials"), "\(carol)")
            let bob = try await realm.negotiate(url, cache: try await realm.credentialCache("bob@TWS.TEST", password: "bob-secret"))
            #expect(bob.status == 401 && bob.body.contains("invalid_credentials"), "\(bob)")
            // dave exists as a product user, but his ticket is from OTHER.TEST (cross-realm), which is not allowed.
            let dave = try await realm.negotiate(url, cache: try await realm.credentialCache("dave@OTHER.TEST", password: "dave-secret"))
            #expect(dave.status == 401 && dave.body.contains("invalid_credentials"), "\(dave)")
            var headers = HTTPFields()
            headers[.authorization] = "Negotiate " + Data("not a token".utf8).base64EncodedString()
            let garbage = try await client.send(.get, "/api/v1/auth/negotiate", token: nil, headers: headers)
            #expect(garbage.status == .unauthorized)
            headers[.authorization] = "Negotiate ***"
            let notBase64 = try await client.send(.get, "/api/v1/auth/negotiate", token: nil, headers: headers)
            #expect(notBase64.status == .badRequest)

            let details = try await Self.audit(client, superToken).filter { $0.string("kind") == "login_failed" }.compactMap { $0.string("detail") }
            #expect(details.contains("carol@TWS.TEST: no user with WindowsSecurity"))
            #expect(details.contains("bob@TWS.TEST: no user with WindowsSecurity"))
            #expect(details.contains { $0.hasPrefix("realm OTHER.TEST of dave@OTHER.TEST is not allowed") })
        }
    }

    @Test("An expired ticket is refused")
    func expiredTicket() async throws {
        try await Self.withServer { _, realm, url, _ in
            // shortlived's tickets last 10 s at most; the realm tolerates 5 s of clock skew.
            let cache = try await realm.credentialCache("shortlived@TWS.TEST", password: "short-secret", lifetime: "2s")
            try await Task.sleep(for: .seconds(8))
            let answer = try await realm.negotiate(url, cache: cache)
            #expect(answer.status == 401, "\(answer)")
        }
    }

    @Test("NTLM through SPNEGO (gss-ntlmssp): two legs on one connection, DOMAIN\\user mapped to the user")
    func ntlmSignIn() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tws-ntlm-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let serverUsers = directory.appendingPathComponent("server-users").path
        try "TWS:alice:alice-ntlm-secret\nTWS:dave:dave-ntlm-secret\n".write(toFile: serverUsers, atomically: true, encoding: .utf8)
        try await Self.withServer(ntlmUsers: serverUsers) { _, realm, url, _ in
            let noTicket = try await realm.credentialCache("nobody", password: nil)
            let client = directory.appendingPathComponent("alice").path
            try "TWS:alice:alice-ntlm-secret\n".write(toFile: client, atomically: true, encoding: .utf8)
            let answer = try await realm.negotiate(url, cache: noTicket, ntlmUserFile: client)
            try #require(answer.status == 200, "\(answer.body)")
            #expect(answer.body.contains("\"method\":\"WindowsSecurity\"") || answer.body.contains("\"method\" : \"WindowsSecurity\""))
            let wrong = directory.appendingPathComponent("wrong").path
            try "TWS:alice:not-her-password\n".write(toFile: wrong, atomically: true, encoding: .utf8)
            #expect(try await realm.negotiate(url, cache: noTicket, ntlmUserFile: wrong).status == 401)
            let otherDomain = directory.appendingPathComponent("other").path
            try "EVIL:alice:alice-ntlm-secret\n".write(toFile: otherDomain, atomically: true, encoding: .utf8)
            #expect(try await realm.negotiate(url, cache: noTicket, ntlmUserFile: otherDomain).status == 401)
            // The same two legs for a SOAP Login: the first answer is a 401 SOAP fault carrying the NTLM challenge.
            let soap = try await realm.negotiate(
                url.replacingOccurrences(of: "/api/v1/auth/negotiate", with: "/soap"),
                cache: noTicket,
                ntlmUserFile: client,
                post: (
                    SOAPTestVersion.soap11.envelope("<tws:Login><tws:username>alice</tws:username></tws:Login>"),
                    SOAPTestVersion.soap11.contentType
                )
            )
            #expect(soap.status == 200 && soap.body.contains("<tws:token>"), "\(soap)")
        }
    }

    @Test("SOAP Login signed in by HTTP Negotiate instead of a password; the principal must be the user named")
    func soapLogin() async throws {
        try await Self.withServer { client, realm, url, _ in
            let soapURL = url.replacingOccurrences(of: "/api/v1/auth/negotiate", with: "/soap")
            func login(_ username: String) -> (body: String, contentType: String) {
                (
                    SOAPTestVersion.soap11.envelope("<tws:Login><tws:username>\(username)</tws:username></tws:Login>"),
                    SOAPTestVersion.soap11.contentType
                )
            }
            let cache = try await realm.credentialCache("alice@TWS.TEST", password: "alice-secret")
            let answer = try await realm.negotiate(soapURL, cache: cache, post: login("alice"))
            try #require(answer.status == 200, "\(answer.body)")
            let token = try #require(answer.body.firstMatch(of: /<tws:token>([^<]+)<\/tws:token>/)?.1)
            #expect(try await client.soap("<tws:GetMe/>", token: String(token)).text.contains("alice"))
            // alice's ticket does not sign in dave.
            let other = try await realm.negotiate(soapURL, cache: cache, post: login("dave"))
            // A SOAP 1.1 fault (HTTP 500, WS-I BP R1126), not a Negotiate challenge.
            #expect(other.status == 500 && other.body.contains("invalid_credentials"), "\(other)")
        }
    }

    @Test("Without a keytab configured the endpoint says Windows sign-in is unavailable")
    func notConfigured() async throws {
        try await TWSTestApp.run { client in
            // Not a server failure: this server offers no Windows sign-in at that address.
            expectProblem(try await client.get("/api/v1/auth/negotiate", token: nil), .notFound, "negotiate_unavailable")
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

/// A company with users alice and bob, Toolkit licences, and helpers to make and use API keys (issue 19).
struct KeyTenant: Sendable {
    let superToken: String
    let companyId: Int64
    let domainId: Int64
    let aliceId: Int64
    let bobId: Int64

    static func make(_ client: some TestClientProtocol, toolkit: Int = 10) async throws -> KeyTenant {
        let superToken = try await client.superUserToken()
        let companyId = try await client.createCompany("Keys Inc", token: superToken)
        _ = try await client.setLicence("Toolkit", companyId: companyId, available: toolkit, token: superToken)
        // Keys holding callbacks:create use a Portal licence (issue 20).
        _ = try await client.setLicence("Portal", companyId: companyId, available: toolkit, token: superToken)
        let domainId = try await client.createDomain(companyId: companyId, name: "Keys HQ", token: superToken)
        let aliceId = try await client.createUser(domainId: domainId, username: "alice", password: "alice-password", token: superToken)
        let bobId = try await client.createUser(domainId: domainId, username: "bob", password: "bob-password", token: superToken)
        // Alice also signs in herself (Caller); a key acting for her needs no grant of hers (the key is a Toolkit licence).
        try await client.grantUserApplication("Caller", userId: aliceId, token: superToken)
        return KeyTenant(superToken: superToken, companyId: companyId, domainId: domainId, aliceId: aliceId, bobId: bobId)
    }

    var keys: String { "/api/v1/admin/companies/\(companyId)/api-keys" }
}

extension TestClientProtocol {
    /// Creates a key and answers its id and secret.
    func createKey(
        _ companyId: Int64,
        token: String,
        scopes: [String],
        users: [Int64] = [],
        groups: [Int64] = [],
        extra: [String: Any] = [:]
    ) async throws -> (id: Int64, secret: String) {
        var body: [String: Any] = ["name": "CRM", "scopes": scopes, "actsFor": ["users": users, "groups": groups]]
        body.merge(extra) { $1 }
        let response = try await must(.post, "/api/v1/admin/companies/\(companyId)/api-keys", token: token, json: jsonObject(body), answer: .created)
        let json = try response.json()
        return (try #require(json.object("key")?.int64("id")), try #require(json.string("secret")))
    }

    /// A request sending `secret` as `X-API-Key`.
    func withKey(_ method: HTTPRequest.Method, _ uri: String, key secret: String, json: String? = nil) async throws -> TestResponse {
        try await send(method, uri, json: json, headers: [HTTPField.Name("X-API-Key")!: secret])
    }
}

/// The parts of a 401 a client can see, to compare two refusals.
func refusalShape(_ response: TestResponse) -> String {
    let names = response.headers.map(\.name.canonicalName).filter { $0 != "date" }.sorted()
    let values = names.map { "\($0)=\(response.headers[HTTPField.Name($0)!] ?? "")" }
    return "\(response.status.code) \(values) \(response.text)"
}

@Suite("API keys")
struct ApiKeyAPITests {
    @Test func aKeysLifecycleShowsTheSecretOnceAndRefusesItRightAfterRevocation() async throws {
        try await TWSTestApp.run { client in
            let t = try await KeyTenant.make(client)
            let key = try await client.createKey(t.companyId, token: t.superToken, scopes: ["calls:read"], users: [t.aliceId])
            #expect(key.secret.hasPrefix("tws_k1_"))
            // Listed and read back without the secret.
            let list = try await client.must(.get, t.keys, token: t.superToken)
            #expect(!list.text.contains(key.secret) && !list.text.contains("secret"))
            let item = try #require(try list.items().first)
            #expect(item.int64("id") == key.id)
            #expect(key.secret.hasPrefix(try #require(item.string("prefix"))))
            let read = try await client.must(.get, "\(t.keys)/\(key.id)", token: t.superToken)
            #expect(!read.text.contains(key.secret))
            // Both forms work: X-API-Key and Authorization: Bearer.
            let logs = "/api/v1/call-logs?onBehalfOf=alice"
            #expect(try await client.withKey(.get, logs, key: key.secret).status == .ok)
            #expect(try await client.get(logs, token: key.secret).status == .ok)
            // Renamed; the key keeps working.
            let renamed = try await client.must(.patch, "\(t.keys)/\(key.id)", token: t.superToken, json: #"{"name":"ERP"}"#)
            #expect(try renamed.json().string("name") == "ERP")
            // Revoked: listed as revoked, refused at the very next request.
            let revoked = try await client.must(.post, "\(t.keys)/\(key.id)/revoke", token: t.superToken)
            #expect(try revoked.json().string("revokedAt") != nil)
            expectProblem(try await client.withKey(.get, logs, key: key.secret), .unauthorized, "unauthenticated")
            #expect(try await client.must(.get, t.keys, token: t.superToken).items().first?.string("revokedAt") != nil)
            // Deleted: gone from the list.
            try await client.must(.delete, "\(t.keys)/\(key.id)", token: t.superToken, answer: .noContent)
            #expect(try await client.must(.get, t.keys, token: t.superToken).items().isEmpty)
            expectProblem(try await client.get("\(t.keys)/\(key.id)", token: t.superToken), .notFound, "not_found")
            // Each step is audited, never with the secret.
            let audit = try await client.must(.get, "/api/v1/admin/audit-log?companyId=\(t.companyId)&limit=100", token: t.superToken)
            let kinds = Set(try audit.items().compactMap { $0.string("kind") })
            #expect(kinds.isSuperset(of: ["api_key_created", "api_key_updated", "api_key_revoked", "api_key_deleted", "api_key_refused"]))
            #expect(!audit.text.contains(key.secret))
        }
    }

    @Test func everyRefusedKeyAnswersExactlyLikeAnUnknownToken() async throws {
        try await TWSTestApp.run { client in
            let t = try await KeyTenant.make(client)
            let logs = "/api/v1/call-logs?onBehalfOf=alice"
            let unknownToken = refusalShape(try await client.get(logs, token: "not-a-token"))
            let unknownKey = refusalShape(try await client.withKey(.get, logs, key: "tws_k1_unknownunknownunknownunknownunknown"))
            #expect(unknownToken.hasPrefix("401 "))
            #expect(unknownKey == unknownToken)

            let revoked = try await client.createKey(t.companyId, token: t.superToken, scopes: ["calls:read"], users: [t.aliceId])
            try await client.must(.post, "\(t.keys)/\(revoked.id)/revoke", token: t.superToken)
            let expired = try await client.createKey(t.companyId, token: t.superToken, scopes: ["calls:read"], users: [t.aliceId])
            #expect(try await client.withKey(.get, logs, key: expired.secret).status == .ok)
            try await client.must(.patch, "\(t.keys)/\(expired.id)", token: t.superToken, json: #"{"expiresAt":"2020-01-01T00:00:00Z"}"#)
            let fenced = try await client.createKey(
                t.companyId,
                token: t.superToken,
                scopes: ["calls:read"],
                users: [t.aliceId],
                extra: ["allowedAddresses": ["192.0.2.0/24", "2001:db8::/32"]]
            )
            let deleted = try await client.createKey(t.companyId, token: t.superToken, scopes: ["calls:read"], users: [t.aliceId])
            try await client.must(.delete, "\(t.keys)/\(deleted.id)", token: t.superToken, answer: .noContent)
            for (name, secret) in [
                ("revoked", revoked.secret), ("expired", expired.secret), ("outside its addresses", fenced.secret), ("deleted", deleted.secret),
            ] {
                #expect(refusalShape(try await client.withKey(.get, logs, key: secret)) == unknownToken, "\(name)")
                #expect(refusalShape(try await client.get(logs, token: secret)) == unknownToken, "\(name) as a bearer token")
            }
            // Bad CIDR is refused naming the entry.
            let bad = try await client.post(t.keys, token: t.superToken, json: #"{"name":"x","scopes":[],"allowedAddresses":["10.0.0.0/40"]}"#)
            expectProblem(bad, .unprocessableContent, "invalid_address", field: "allowedAddresses[0]")
            let malformed = try await client.post(t.keys, token: t.superToken, json: #"{"name":"x","scopes":[],"allowedAddresses":["intranet"]}"#)
            expectProblem(malformed, .badRequest, "invalid_field", field: "allowedAddresses[0]")
        }
    }

    @Test func theOldSecretWorksDuringTheOverlapAndIsRefusedAfter() async throws {
        // The wait below polls with the old secret: a rate no polling reaches, so the answers are the key's own.
        try await TWSTestApp.run(configure: { $0.apiKeyBurst = 100_000 }) { client in
            let t = try await KeyTenant.make(client)
            let key = try await client.createKey(t.companyId, token: t.superToken, scopes: ["calls:read"], users: [t.aliceId])
            let logs = "/api/v1/call-logs?onBehalfOf=alice"
            let rotated = try await client.must(.post, "\(t.keys)/\(key.id)/rotate", token: t.superToken, json: #"{"overlapSeconds":3}"#).json()
            let newSecret = try #require(rotated.string("secret"))
            #expect(newSecret != key.secret)
            #expect(try await client.withKey(.get, logs, key: key.secret).status == .ok)
            #expect(try await client.withKey(.get, logs, key: newSecret).status == .ok)
            // Once the overlap has passed (a bound for the wait, not a timing measure).
            try await eventually("old secret refused", timeout: .seconds(20)) {
                (try? await client.withKey(.get, logs, key: key.secret))?.status == .unauthorized
            }
            #expect(try await client.withKey(.get, logs, key: newSecret).status == .ok)
            let tooLong = try await client.post("\(t.keys)/\(key.id)/rotate", token: t.superToken, json: #"{"overlapSeconds":604801}"#)
            #expect(tooLong.status == .badRequest)
        }
    }

    @Test(
        arguments: [
            ("calls:read", "GET", "/api/v1/call-logs?onBehalfOf=alice", nil),
            ("directory:read", "GET", "/api/v1/directory/search?q=x&onBehalfOf=alice", nil),
            ("directory:read", "GET", "/api/v1/directory/lookup?number=1001&onBehalfOf=alice", nil),
            ("presence:read", "GET", "/api/v1/telephony/presence?onBehalfOf=alice", nil),
            ("calls:control", "POST", "/api/v1/calls", #"{"number":"1002","onBehalfOf":"alice"}"#),
            ("calls:control", "POST", "/api/v1/calls/C1/hangup", #"{"onBehalfOf":"alice"}"#),
        ] as [(String, String, String, String?)]
    )
    func aKeyWithoutTheScopeIsRefused403(_ scope: String, _ method: String, _ uri: String, _ json: String?) async throws {
        try await TWSTestApp.run { client in
            let t = try await KeyTenant.make(client)
            let others = ["calls:control", "calls:read", "directory:read", "presence:read", "callbacks:create", "webhooks:manage"].filter {
                $0 != scope
            }
            let key = try await client.createKey(t.companyId, token: t.superToken, scopes: others, users: [t.aliceId])
            let response = try await client.withKey(HTTPRequest.Method(method)!, uri, key: key.secret, json: json)
            expectProblem(response, .forbidden, "scope_not_granted", "\(scope) \(uri)")
        }
    }

    @Test func aKeyActsOnlyForItsUsersAndNeedsOnBehalfOf() async throws {
        try await TWSTestApp.run { client in
            let t = try await KeyTenant.make(client)
            let key = try await client.createKey(t.companyId, token: t.superToken, scopes: ["calls:read", "presence:read"], users: [t.aliceId])
            #expect(try await client.withKey(.get, "/api/v1/call-logs?onBehalfOf=alice", key: key.secret).status == .ok)
            let bob = try await client.withKey(.get, "/api/v1/call-logs?onBehalfOf=bob", key: key.secret)
            let nobody = try await client.withKey(.get, "/api/v1/call-logs?onBehalfOf=nobody", key: key.secret)
            expectProblem(bob, .notFound, "not_found", field: "onBehalfOf")
            expectProblem(nobody, .notFound, "not_found", field: "onBehalfOf")
            expectProblem(try await client.withKey(.get, "/api/v1/call-logs", key: key.secret), .badRequest, "invalid_field", field: "onBehalfOf")
            // Operations outside what keys do answer 401, as for anyone without a user's or an administrator's token.
            expectProblem(try await client.withKey(.get, "/api/v1/rules", key: key.secret), .unauthorized, "unauthenticated")
            expectProblem(try await client.withKey(.get, "/api/v1/admin/companies", key: key.secret), .unauthorized, "unauthenticated")
            expectProblem(try await client.withKey(.get, "/api/v1/me", key: key.secret), .unauthorized, "unauthenticated")
            // A user's own token may name only the user themself.
            let aliceToken = try await client.userLogin(username: "alice", password: "alice-password")
            #expect(try await client.get("/api/v1/call-logs?onBehalfOf=alice", token: aliceToken).status == .ok)
            expectProblem(try await client.get("/api/v1/call-logs?onBehalfOf=bob", token: aliceToken), .forbidden, "forbidden")
            // Another company's administrator sees no key of this company.
            let otherCompany = try await client.createCompany("Other Inc", token: t.superToken)
            _ = try await client.setLicence("Toolkit", companyId: otherCompany, available: 1, token: t.superToken)
            expectProblem(
                try await client.get("/api/v1/admin/companies/\(otherCompany)/api-keys/\(key.id)", token: t.superToken),
                .notFound,
                "not_found"
            )
            // A user of another company cannot be named in actsFor.
            let otherDomain = try await client.createDomain(companyId: otherCompany, name: "Other HQ", token: t.superToken)
            let stranger = try await client.createUser(domainId: otherDomain, username: "stranger", token: t.superToken)
            let foreign = try await client.post(
                t.keys,
                token: t.superToken,
                json: #"{"name":"x","scopes":[],"actsFor":{"users":[\#(stranger)],"groups":[]}}"#
            )
            expectProblem(foreign, .notFound, "not_found", field: "actsFor.users")
        }
    }

    @Test func eachLiveKeyUsesAToolkitLicence() async throws {
        try await TWSTestApp.run { client in
            let t = try await KeyTenant.make(client, toolkit: 2)
            let first = try await client.createKey(t.companyId, token: t.superToken, scopes: [])
            _ = try await client.createKey(t.companyId, token: t.superToken, scopes: [])
            let third = try await client.post(t.keys, token: t.superToken, json: #"{"name":"third","scopes":[]}"#)
            expectProblem(third, .conflict, "licence_exhausted")
            let licences = try await client.must(.get, "/api/v1/admin/licences?companyId=\(t.companyId)", token: t.superToken)
            let toolkit = try #require(try licences.items().first { $0.string("application") == "Toolkit" })
            #expect(toolkit.int("used") == 2)
            try await client.must(.post, "\(t.keys)/\(first.id)/revoke", token: t.superToken)
            _ = try await client.createKey(t.companyId, token: t.superToken, scopes: [])
        }
    }

    @Test func eachKeyHasItsOwnRate() async throws {
        try await TWSTestApp.run(configure: {
            $0.apiKeyBurst = 3
            $0.apiKeyPerSecond = 0.001
        }) { client in
            let t = try await KeyTenant.make(client)
            let busy = try await client.createKey(t.companyId, token: t.superToken, scopes: ["calls:read"], users: [t.aliceId])
            let quiet = try await client.createKey(t.companyId, token: t.superToken, scopes: ["calls:read"], users: [t.aliceId])
            let logs = "/api/v1/call-logs?onBehalfOf=alice"
            for _ in 0..<3 { #expect(try await client.withKey(.get, logs, key: busy.secret).status == .ok) }
            let limited = try await client.withKey(.get, logs, key: busy.secret)
            expectProblem(limited, .tooManyRequests, "rate_limited")
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(try await client.withKey(.get, logs, key: quiet.secret).status == .ok)
        }
    }

    @Test func keysAreNotHeldToThePerAddressLoginLimitOnSOAP() async throws {
        try await TWSTestApp.run(configure: { $0.loginBurst = 2; $0.loginPerSecond = 0.001 }) { client in
            let t = try await KeyTenant.make(client)
            let key = try await client.createKey(t.companyId, token: t.superToken, scopes: ["calls:read", "directory:read"], users: [t.aliceId])
            let envelope = SOAPTestVersion.soap12.envelope("<tws:GetCallLogs><tws:onBehalfOf>alice</tws:onBehalfOf></tws:GetCallLogs>")
            let headers: HTTPFields = [.contentType: SOAPTestVersion.soap12.contentType, HTTPField.Name("X-API-Key")!: key.secret]
            for _ in 0..<3 {
                let response = try await client.execute(uri: "/soap", method: .post, headers: headers, body: ByteBuffer(string: envelope))
                #expect(response.status == .ok, "\(response.text)")
                #expect(response.text.contains("GetCallLogsResponse"))
            }
            // Directory search and lookup as alice, with the key's directory:read.
            #expect(try await client.withKey(.get, "/api/v1/directory/search?q=bob&onBehalfOf=alice", key: key.secret).status == .ok)
            // Without a key, the same address is limited (the budget of two went on the super-user's logins).
            let anonymous = try await client.soap("<tws:GetCallLogs/>", version: .soap12)
            #expect(anonymous.text.contains("<tws:code>rate_limited</tws:code>"), "\(anonymous.text)")
        }
    }
}

extension ApiKeyAPITests {
    /// The status of reading alice's call log with `secret` and `headers`.
    static func request(_ client: any TestClientProtocol, _ secret: String, _ headers: [String: String]) async throws -> HTTPResponse.Status {
        var fields: HTTPFields = [HTTPField.Name("X-API-Key")!: secret]
        for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
        return try await client.send(.get, "/api/v1/call-logs?onBehalfOf=alice", headers: fields).status
    }

    /// A key reading alice's call log, accepted only from `addresses`.
    static func fencedKey(_ client: any TestClientProtocol, _ addresses: [String]) async throws -> (id: Int64, secret: String) {
        let t = try await KeyTenant.make(client)
        return try await client.createKey(t.companyId, token: t.superToken, scopes: ["calls:read"], users: [t.aliceId], extra: ["allowedAddresses": addresses])
    }

    @Test("Behind a trusted proxy a key's allowed addresses are checked against the forwarded client, never a client's own claim")
    func allowedAddressesBehindATrustedProxy() async throws {
        try await TWSTestApp.run(.live, configure: { $0.trustedProxies = "127.0.0.0/8, ::1, 10.1.2.3" }) { client in
            let key = try await Self.fencedKey(client, ["198.51.100.0/24", "2001:db8::/32"])
            // The proxy's own address is not the client's: refused without a forwarded client.
            #expect(try await Self.request(client, key.secret, [:]) == .unauthorized)
            #expect(try await Self.request(client, key.secret, ["X-Forwarded-For": "198.51.100.7"]) == .ok)
            #expect(try await Self.request(client, key.secret, ["Forwarded": #"for="198.51.100.7:4711";proto=https"#]) == .ok)
            #expect(try await Self.request(client, key.secret, ["Forwarded": #"for="[2001:db8::5]:4711""#]) == .ok)
            // Two trusted hops (10.1.2.3, then this proxy): the client is the one before them.
            #expect(try await Self.request(client, key.secret, ["X-Forwarded-For": "198.51.100.7, 10.1.2.3"]) == .ok)
            // A client writing an allowed address itself: the proxy appends the real one, which is what counts.
            #expect(try await Self.request(client, key.secret, ["X-Forwarded-For": "198.51.100.7, 203.0.113.9"]) == .unauthorized)
            // A hop that is no address stops the walk at the last trusted hop (the proxy): refused.
            #expect(try await Self.request(client, key.secret, ["X-Forwarded-For": "unknown"]) == .unauthorized)
        }
        try await TWSTestApp.run(.live) { client in
            // No trusted proxy configured: the header is a client's claim and changes nothing.
            let key = try await Self.fencedKey(client, ["198.51.100.0/24"])
            #expect(try await Self.request(client, key.secret, ["X-Forwarded-For": "198.51.100.7"]) == .unauthorized)
        }
    }
}

import Foundation
import HummingbirdTesting
import Testing

/// Bounds the contract declares are the server's too, in REST and SOAP alike: nothing the contract refuses is accepted
/// and stored, so the next read never breaks the response schema.
@Suite("Contract bounds")
struct ContractBoundsTests {
    @Test("A PBX link host must be dialable: unspecified, broadcast and multicast addresses and bare numbers are refused", arguments: [
        "0", "0.0.0.0", "255.255.255.255", "224.0.0.1", "239.255.255.250", "::", "[::]", "ff02::1", "10.1", "12345", "bad host", "-pbx.example",
        "pbx..example", "pbx/example", "1.2.3.256",
    ])
    func pbxLinkHostMustBeDialable(host: String) async throws {
        try await TWSTestApp.run { client in
            let admin = try await client.superUserToken()
            let company = try await client.createCompany("Acme", token: admin)
            let domain = try await client.createDomain(companyId: company, name: "Main", token: admin)
            let refused = try await client.post(
                "/api/v1/admin/domains/\(domain)/pbx-links",
                token: admin,
                json: jsonObject(["host": host, "port": 5060, "capacity": 10, "pbxType": "simulator"])
            )
            expectProblem(refused, .badRequest, "invalid_field", host)
            #expect(refused.problem?.field == "host")
            #expect(try await client.must(.get, "/api/v1/admin/domains/\(domain)/pbx-links", token: admin).items().isEmpty)
        }
    }

    @Test("Host names, IPv4 and IPv6 addresses a connection can reach are accepted")
    func dialableHostsAccepted() async throws {
        try await TWSTestApp.run { client in
            let admin = try await client.superUserToken()
            let company = try await client.createCompany("Acme", token: admin)
            let domain = try await client.createDomain(companyId: company, name: "Main", token: admin)
            for host in ["pbx.example.org", "pbx-2", "192.0.2.10", "127.0.0.1", "::1", "2001:db8::10"] {
                _ = try await client.create(
                    "/api/v1/admin/domains/\(domain)/pbx-links",
                    token: admin,
                    json: jsonObject(["host": host, "port": 5060, "capacity": 10, "pbxType": "simulator"])
                )
            }
        }
    }

    @Test("Dialing-rule priorities outside 0–100000 are refused, naming the rule", arguments: [-1, 100_001, 2_147_483_647])
    func dialingRulePriorityBounds(priority: Int) async throws {
        try await TWSTestApp.run { client in
            let admin = try await client.superUserToken()
            let company = try await client.createCompany("Acme", token: admin)
            let domain = try await client.createDomain(companyId: company, name: "Main", token: admin)
            let plan = jsonObject([
                "internationalPrefix": "00", "localCountryPrefix": "33", "externalPrefix": "0", "add": "", "remove": 0, "internalLength": 4,
                "internalReverseLength": 4, "rules": [["priority": 1, "pattern": "9", "value": "1"], ["priority": priority, "pattern": "8", "value": "2"]],
            ])
            let refused = try await client.put("/api/v1/admin/domains/\(domain)/dialing-plan", token: admin, json: plan)
            #expect(refused.status == .badRequest, "\(refused.text)")
            // Still the standard rules.
            let stored = try await client.must(.get, "/api/v1/admin/domains/\(domain)/dialing-plan", token: admin).json()
            #expect((stored["rules"] as? [[String: Any]])?.contains { $0.string("pattern") == "8" } == false)
        }
    }
}

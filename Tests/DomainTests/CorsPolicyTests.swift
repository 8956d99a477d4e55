import Domain
import Foundation
import Testing

@Suite struct CorsPolicyTests {
    @Test(arguments: [
        ("https://crm.example.com", "https://crm.example.com"),
        ("HTTPS://CRM.Example.COM", "https://crm.example.com"),
        ("https://crm.example.com:443", "https://crm.example.com"),
        ("http://crm.example.com:80", "http://crm.example.com"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
        ("https://crm.example.com:8443", "https://crm.example.com:8443"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("http://localhost", "http://localhost"),
    ])
    func anOriginIsStoredLowerCaseWithoutItsDefaultPort(_ text: String, _ expected: String) {
        #expect(CorsOrigin.normalised(text) == expected)
    }

    @Test(arguments: [
        "crm.example.com", "ftp://crm.example.com", "https://crm.example.com/", "https://crm.example.com/app", "https://crm.example.com?x=1",
        "https://user@crm.example.com", "https://", "https://crm.example.com:0", "https://crm.example.com:65536", "https://crm.example.com:",
        "https://crm..example.com", "https://-crm.example.com", "null", "*", "https://crm example.com", "https://crm.example.com#top",
        "https://[::1", "https://[zz]:80",
    ])
    func anythingButAnOriginIsRefused(_ text: String) async throws {
        #expect(CorsOrigin.normalised(text) == nil)
        let error = await domainError { _ = try CorsPolicy.normalised([text]) }
        #expect(error?.code == "invalid_field" && error?.field == "origins")
    }

    @Test func aCompanyListsAtMostAHundredOrigins() async throws {
        let hundred = (1...100).map { "https://crm\($0).example.com" }
        #expect(try CorsPolicy.normalised(hundred).count == 100)
        let error = await domainError { _ = try CorsPolicy.normalised(hundred + ["https://one-more.example.com"]) }
        #expect(error?.code == "invalid_field" && error?.field == "origins")
    }

    @Test func originsAreKeptPerCompanyForItsAdministratorsOnly() async throws {
        let world = try await World()
        let (acme, _) = try await world.tenant("Acme")
        let (globex, _) = try await world.tenant("Globex")
        let policy = CorsPolicy(store: world.store)
        let acmeAdmin = world.scopedAdmin([acme])

        let stored = try await policy.setOrigins(
            acmeAdmin,
            companyId: acme.id!,
            ["https://CRM.example.com:443", "https://crm.example.com", "http://b.example"]
        )
        #expect(stored == ["http://b.example", "https://crm.example.com"])
        #expect(try await policy.origins(acmeAdmin, companyId: acme.id!) == stored)
        #expect(try await policy.origins(world.root, companyId: acme.id!) == stored)
        // Another company's list is as unknown as a missing company.
        let read = await domainError { _ = try await policy.origins(acmeAdmin, companyId: globex.id!) }
        #expect(read?.code == "not_found")
        let write = await domainError { _ = try await policy.setOrigins(acmeAdmin, companyId: globex.id!, ["https://evil.example"]) }
        #expect(write?.code == "not_found")
        #expect(try await policy.origins(world.root, companyId: globex.id!) == [])
        // A refused list changes nothing.
        let bad = await domainError {
            _ = try await policy.setOrigins(acmeAdmin, companyId: acme.id!, ["https://ok.example", "https://bad.example/path"])
        }
        #expect(bad?.code == "invalid_field")
        #expect(try await policy.origins(acmeAdmin, companyId: acme.id!) == stored)
    }

    @Test func theAllowListFollowsEveryChange() async throws {
        let world = try await World()
        let (acme, _) = try await world.tenant("Acme")
        let (globex, _) = try await world.tenant("Globex")
        let policy = CorsPolicy(store: world.store)
        #expect(try await policy.companies(allowing: "https://crm.example.com") == [])

        _ = try await policy.setOrigins(world.root, companyId: acme.id!, ["https://crm.example.com"])
        _ = try await policy.setOrigins(world.root, companyId: globex.id!, ["https://crm.example.com", "https://globex.example"])
        #expect(try await policy.companies(allowing: "https://crm.example.com") == [acme.id!, globex.id!])
        // As a browser sends it: the default port and upper case do not matter; anything else is no origin.
        #expect(try await policy.companies(allowing: "HTTPS://crm.example.com:443") == [acme.id!, globex.id!])
        #expect(try await policy.companies(allowing: "https://crm.example.com:8443") == [])
        #expect(try await policy.companies(allowing: "null") == [])

        _ = try await policy.setOrigins(world.root, companyId: acme.id!, [])
        #expect(try await policy.companies(allowing: "https://crm.example.com") == [globex.id!])
        try await world.admin.deleteCompany(world.root, id: globex.id!)
        #expect(try await policy.companies(allowing: "https://crm.example.com") == [])
        #expect(try await policy.companies(allowing: "https://globex.example") == [])
    }
}

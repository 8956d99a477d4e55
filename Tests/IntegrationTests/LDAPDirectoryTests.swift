import Foundation
import HummingbirdTesting
import Testing

/// An LDAP directory and a user import against a real slapd holding 2,505 people: paged results over three pages,
/// search and reverse lookup of what was read, the import modes, and a server that goes away.
@Suite("LDAP directories and user import", .slapd(generatedUsers: 2_500), .serialized)
struct LDAPDirectoryTests {
    static let people = 2_505

    static func ldap(port: Int, filter: String = "(objectClass=inetOrgPerson)", pageSize: Int = 1_000) -> String {
        #"{"host":"127.0.0.1","port":\#(port),"ldaps":false,"startTLS":false,"caFile":"","tlsVerify":true,"bindDN":"cn=admin,dc=example,dc=org","password":"password","baseDN":"ou=people,dc=example,dc=org","filter":"\#(filter)","pageSize":\#(pageSize),"sizeLimit":0,"timeoutSeconds":10}"#
    }

    @Test
    func ldapDirectorySynchronisesEveryPageAndKeepsContactsWhenTheServerIsGone() async throws {
        let slapd = try #require(LDAPTestServer.current)
        try await TWSTestApp.run { client in
            let world = try await IsolationWorld.make(client)
            let body =
                #"{"name":"Company LDAP","source":"Ldap","priority":15,"connection":{"ldap":\#(Self.ldap(port: slapd.port))},"#
                + #""fieldMap":{"fields":{"id":"uid","lastName":"sn","firstName":"givenname","professionalPhone":"telephonenumber","mail1":"mail"}}}"#
            let directoryId = try await client.create("/api/v1/admin/domains/\(world.a.domainId)/directories", token: world.adminAToken, json: body)
            let directory = try await client.must(.get, "/api/v1/admin/directories/\(directoryId)", token: world.adminAToken).json()
            #expect(directory.object("connection")?.object("ldap")?.string("password") == "********")
            try await client.grant("directory", directoryId, to: "user", world.a.userId, token: world.adminAToken)
            let report = try await client.must(.post, "/api/v1/admin/directories/\(directoryId)/sync?wait=true", token: world.adminAToken).json()
            #expect(report.string("state") == "succeeded", "\(report)")
            #expect(report.int("read") == Self.people && report.int("created") == Self.people && report.int("ignored") == 0)

            let found = try await client.must(.get, "/api/v1/directory/search?q=gen01234", token: world.userAToken).items()
            #expect(found.map { $0.string("mail1") } == ["gen01234@example.org"])
            let caller = try await client.must(.get, "/api/v1/directory/lookup?number=0140001234", token: world.userAToken).json()
            #expect(caller.object("contact")?.string("lastName") == "gen01234")
            #expect(caller.object("contact")?.string("directoryName") == "Company LDAP")

            // A second run reads the same rows: nothing rewritten; then the server goes away and the contacts stay.
            let again = try await client.must(.post, "/api/v1/admin/directories/\(directoryId)/sync?wait=true", token: world.adminAToken).json()
            #expect(again.int("unchanged") == Self.people && again.int("updated") == 0 && again.int("deleted") == 0)
            try await client.must(
                .patch,
                "/api/v1/admin/directories/\(directoryId)",
                token: world.adminAToken,
                json: #"{"connection":{"ldap":\#(Self.ldap(port: try LoopbackPort.free()))}}"#
            )
            let failed = try await client.must(.post, "/api/v1/admin/directories/\(directoryId)/sync?wait=true", token: world.adminAToken).json()
            #expect(failed.string("state") == "failed" && failed.string("error")?.contains("unreachable") == true, "\(failed)")
            #expect(try await client.must(.get, "/api/v1/directory/search?q=gen01234", token: world.userAToken).items().count == 1)
            // The password kept through the patch that sent none.
            let patched = try await client.must(.get, "/api/v1/admin/directories/\(directoryId)", token: world.adminAToken).json()
            #expect(patched.object("connection")?.object("ldap")?.string("password") == "********")
        }
    }

    @Test
    func userImportCreatesUpdatesAndDeletesByMode() async throws {
        let slapd = try #require(LDAPTestServer.current)
        try await TWSTestApp.run { client in
            let world = try await IsolationWorld.make(client)
            try await client.must(
                .put,
                "/api/v1/admin/licences/Caller?companyId=\(world.a.companyId)",
                token: world.superToken,
                json: #"{"available":3000}"#
            )
            let body =
                #"{"name":"People","kind":"ldap","mode":"insertUpdate","connection":\#(Self.ldap(port: slapd.port, pageSize: 500)),"#
                + #""fieldMap":{"username":"uid","lastName":"sn","firstName":"givenname","email":"mail","number":"telephonenumber"},"#
                + #""pbxProtocol":"SIP","customiseNumber":true,"addToGroupId":\#(world.a.groupId)}"#
            let importId = try await client.create("/api/v1/admin/domains/\(world.a.domainId)/user-imports", token: world.adminAToken, json: body)
            let report = try await client.must(.post, "/api/v1/admin/user-imports/\(importId)/run", token: world.adminAToken).json()
            // alice and the 2,500 generated people have a number; bob, the odd name, nopw and emptypw do not. Cut to the
            // domain's 4 digits, gen00100's number is alice's ("0100", first come first served) and gen01001's is the
            // tenant user's hand-made device 1001: both ignored, nobody's device taken over.
            #expect(report.int("created") == 2_499, "\(report)")
            #expect(report.int("ignored") == 6)
            let reasons = report.objects("ignoredRows")?.map { "\($0.string("username") ?? "-"):\($0.string("reason") ?? "")" } ?? []
            #expect(reasons.filter { $0.hasSuffix("no_phone_number") }.count == 4)
            #expect(reasons.contains("gen00100:duplicate_in_source") && reasons.contains("gen01001:number_taken"), "\(reasons)")
            let users = try await client.must(.get, "/api/v1/admin/domains/\(world.a.domainId)/users?q=gen00042", token: world.adminAToken).items()
            let gen = try #require(users.first)
            let devices = try await client.must(.get, "/api/v1/admin/users/\(try #require(gen.int64("id")))/devices", token: world.adminAToken)
                .items()
            // "+33 1 40 00 00 42" cut to the domain's 4-digit numbering plan.
            #expect(devices.map { $0.string("number") } == ["0042"] && devices.first?.string("protocol") == "SIP")

            // Full mode with a filter that leaves out the generated people: the imported ones are deleted, alice stays, and
            // the hand-made user is never touched.
            try await client.must(
                .patch,
                "/api/v1/admin/user-imports/\(importId)",
                token: world.adminAToken,
                json: #"{"mode":"full","connection":\#(Self.ldap(port: slapd.port, filter: "(&(objectClass=inetOrgPerson)(!(uid=gen*)))"))}"#
            )
            let full = try await client.must(.post, "/api/v1/admin/user-imports/\(importId)/run", token: world.adminAToken).json()
            #expect(full.int("deleted") == 2_498 && full.int("unchanged") == 1, "\(full)")
            let remaining = try await client.must(.get, "/api/v1/admin/domains/\(world.a.domainId)/users?limit=500", token: world.adminAToken).json()
            #expect(remaining.int("total") == 2)  // alice and the tenant's own user
            let settings = try await client.must(.get, "/api/v1/admin/user-imports/\(importId)", token: world.adminAToken).json()
            #expect(settings.object("lastReport")?.int("deleted") == 2_498)
            #expect(settings.object("connection")?.string("password") == "********")
        }
    }
}

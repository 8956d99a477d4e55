import Domain
import Foundation
import Testing

@testable import Connectors

@Suite(.slapd(users: 2500), .timeLimit(.minutes(3)))
struct LDAPSourceTests {
    let connector: DirectoryConnectors

    init() { connector = DirectoryConnectors(importFolder: unusedImportFolder) }

    private var server: TestService { get throws { try #require(ServiceFixture.current) } }

    private func settings(
        password: String = "password",
        filter: String = "(objectClass=inetOrgPerson)",
        pageSize: Int = 1000,
        sizeLimit: Int = 0
    ) throws -> LDAPSourceSettings {
        LDAPSourceSettings(
            host: "127.0.0.1",
            port: try server.port,
            bindDN: "cn=admin,dc=example,dc=org",
            password: password,
            baseDN: "ou=people,dc=example,dc=org",
            filter: filter,
            pageSize: pageSize,
            sizeLimit: sizeLimit,
            timeoutSeconds: 10
        )
    }

    @Test func pagedSearchReturnsEveryEntryOverSeveralPages() async throws {
        let reader = try await connector.open(.ldap(try settings()), attributes: ["uid", "cn", "dn"])
        var rows: [SourceRow] = []
        while let batch = try await reader.next(limit: 400) {
            #expect(batch.count <= 400)
            rows += batch
        }
        let pages = await (reader as? SessionReader<LDAPSearch>)?.inspect { $0.pagesRead }
        // Replies come through liblber's read-ahead buffer (libldap 2.5 reads TCP twice per message without it).
        #expect(await (reader as? SessionReader<LDAPSearch>)?.inspect { $0.readsAhead } == true)
        await reader.close()
        // alice, bob, the odd user, nopw, emptypw and the generated ones: 2505, past the server's 500 limit.
        #expect(rows.count == 2505)
        #expect(Set(rows.compactMap { $0["uid"] }).count == 2505)
        #expect(pages == 3)
        let alice = try #require(rows.first { $0["uid"] == "alice" })
        #expect(alice == SourceRow(["dn": ["uid=alice,ou=people,dc=example,dc=org"], "uid": ["alice"], "cn": ["Alice Example"]]))
    }

    @Test func sizeLimitStopsCleanly() async throws {
        let (rows, _) = try await readAll(.ldap(try settings(sizeLimit: 1200)), with: connector, attributes: ["uid"], limit: 500)
        #expect(rows.count == 1200)
        let unpaged = try await readAll(.ldap(try settings(pageSize: 0, sizeLimit: 20)), with: connector, attributes: ["uid"]).rows
        #expect(unpaged.count == 20)
    }

    @Test func unpagedSearchStoppedByTheServerLimitIsAnError() async throws {
        // The root DN has no limits: alice gets the server's 500-entry size limit.
        var alice = try settings(pageSize: 0)
        alice.bindDN = "uid=alice,ou=people,dc=example,dc=org"
        alice.password = "alice-secret"
        let error = await readError(.ldap(alice), with: connector)
        #expect(error?.kind == .readFailed)
        #expect(error?.message.contains("size limit") == true)
    }

    @Test func wrongPasswordIsAnAuthenticationError() async throws {
        let error = await readError(.ldap(try settings(password: "not-the-password")), with: connector)
        #expect(error?.kind == .authentication)
        #expect(error?.message.contains("not-the-password") == false)
    }

    @Test func malformedFilterIsInvalidSettings() async throws {
        let error = await readError(.ldap(try settings(filter: "(cn=Alice")), with: connector)
        #expect(error?.kind == .invalidSettings)
    }

    @Test func closedPortIsUnreachable() async throws {
        var closed = try settings()
        closed.port = try LoopbackPort.free()
        let error = await readError(.ldap(closed), with: connector)
        #expect(error?.kind == .unreachable)
    }

    @Test func startTLSAndLDAPSWithTheTestCARead() async throws {
        let caFile = try server.directory.appendingPathComponent("ca.pem").path
        var startTLS = try settings(filter: "(uid=alice)")
        startTLS.host = "localhost"
        startTLS.startTLS = true
        startTLS.caFile = caFile
        var ldaps = startTLS
        ldaps.startTLS = false
        ldaps.ldaps = true
        ldaps.port = try server.ldapsPort
        for tls in [startTLS, ldaps] {
            let rows = try await readAll(.ldap(tls), with: connector, attributes: ["mail"]).rows
            #expect(rows == [SourceRow(["dn": ["uid=alice,ou=people,dc=example,dc=org"], "mail": ["alice@example.org"]])])
            // TLS reads above the read-ahead buffer, every entry over several pages.
            var everyone = tls
            everyone.filter = "(objectClass=inetOrgPerson)"
            let reader = try await connector.open(.ldap(everyone), attributes: ["uid"])
            #expect(await (reader as? SessionReader<LDAPSearch>)?.inspect { $0.readsAhead } == true)
            var uids = Set<String>()
            while let batch = try await reader.next(limit: 1000) { uids.formUnion(batch.compactMap { $0["uid"] }) }
            await reader.close()
            #expect(uids.count == 2505)
        }
        // An unrelated CA must not be trusted.
        ldaps.caFile = try server.directory.appendingPathComponent("other-ca.pem").path
        let error = await readError(.ldap(ldaps), with: connector)
        #expect(error?.kind == .unreachable)
    }

    @Test func binaryValuesComeAsBase64() {
        let photo: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00]
        let guid = Array("ABCDEFGHIJKLMNOP".utf8)
        photo.withUnsafeBytes { #expect(LDAPSearch.text(of: $0, attribute: "jpegphoto") == "/9j/4AA=") }
        photo.withUnsafeBytes { #expect(LDAPSearch.text(of: $0, attribute: "description") == "/9j/4AA=") }
        guid.withUnsafeBytes { #expect(LDAPSearch.text(of: $0, attribute: "objectguid") == Data(guid).base64EncodedString()) }
        Array("Müller".utf8).withUnsafeBytes { #expect(LDAPSearch.text(of: $0, attribute: "sn") == "Müller") }
        // Text that holds the replacement character itself is valid UTF-8, and stays text; so does an empty value.
        Array("A\u{FFFD}B".utf8).withUnsafeBytes { #expect(LDAPSearch.text(of: $0, attribute: "sn") == "A\u{FFFD}B") }
        [UInt8]().withUnsafeBytes { #expect(LDAPSearch.text(of: $0, attribute: "sn") == "") }
        // One bad byte in an otherwise textual value: the whole value as base64, not text with a replacement.
        let broken: [UInt8] = Array("Mu".utf8) + [0xC3] + Array("ller".utf8)
        broken.withUnsafeBytes { #expect(LDAPSearch.text(of: $0, attribute: "sn") == Data(broken).base64EncodedString()) }
    }
}

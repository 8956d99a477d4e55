import Domain
import Foundation
import Synchronization
import Testing

/// A clock tests move by hand.
final class KeyClock: Sendable {
    private let time = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { time.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { time.withLock { $0 += seconds } }
}

/// A company with users, a group, Toolkit licences, and the key service over the world's store.
struct KeyWorld {
    let world: World
    let clock: KeyClock
    let keys: ApiKeyService
    let company: Company
    let domain: CompanyDomain
    let alice: User
    let bob: User
    let carol: User
    let team: UserGroup

    init(toolkitLicences: Int = 5) async throws {
        world = try await World()
        let clock = KeyClock()
        self.clock = clock
        keys = ApiKeyService(store: world.store, now: { clock.now })
        let tenant = try await world.tenant("Acme", licences: [.toolkit: toolkitLicences, .portal: toolkitLicences])
        company = tenant.company
        domain = tenant.domain
        alice = try await world.admin.createUser(
            world.root,
            domainId: domain.id!,
            UserChanges(username: "alice", email: "Alice@Acme.example")
        )
        bob = try await world.user("bob", in: domain)
        carol = try await world.user("carol", in: domain)
        team = try await world.group("Team", in: domain, members: [carol])
    }

    func create(
        scopes: [ApiKeyScope] = ApiKeyScope.allCases,
        users: [User] = [],
        groups: [UserGroup] = [],
        addresses: [String]? = nil
    ) async throws -> ApiKeyWithSecret {
        try await keys.create(
            world.root,
            companyId: company.id!,
            ApiKeyChanges(
                name: "CRM",
                scopes: scopes,
                actsForUsers: users.map { $0.id! },
                actsForGroups: groups.map { $0.id! },
                allowedAddresses: addresses
            )
        )
    }

    func principal(_ secret: String, from address: String? = "192.0.2.10") async throws -> ApiKeyPrincipal? {
        if case .accepted(let principal) = try await keys.authenticate(secret: secret, clientAddress: address) { return principal }
        return nil
    }

    func refusal(_ secret: String, from address: String? = "192.0.2.10") async throws -> ApiKeyService.Refusal? {
        if case .refused(let reason) = try await keys.authenticate(secret: secret, clientAddress: address) { return reason }
        return nil
    }

    func audit(_ kind: AuditEntry.Kind) async throws -> [AuditEntry] {
        try await world.admin.auditLog(world.root, companyId: company.id!, kind: kind, .all).items
    }
}

@Suite struct ApiKeyTests {
    @Test func aNewKeyShowsItsSecretOnceAndStoresOnlyItsHash() async throws {
        let w = try await KeyWorld()
        let created = try await w.create(users: [w.alice])
        #expect(created.secret.hasPrefix("tws_k1_"))
        #expect(created.secret.count == "tws_k1_".count + 43)
        #expect(created.key.prefix == String(created.secret.prefix(13)))
        #expect(created.key.secretHash == ApiKeySecret.hash(created.secret))
        #expect(created.key.secretHash != created.secret)
        let listed = try await w.keys.keys(w.world.root, companyId: w.company.id!)
        #expect(listed.map(\.id) == [created.key.id])
        #expect(!"\(listed)".contains(created.secret))
        let principal = try #require(try await w.principal(created.secret))
        #expect(principal.keyId == created.key.id)
        #expect(principal.companyId == w.company.id)
        #expect(principal.scopes == Set(ApiKeyScope.allCases))
        // The audit line names the key, never its secret.
        let audit = try await w.audit(.apiKeyCreated)
        #expect(audit.count == 1)
        #expect(!"\(audit)".contains(created.secret))
    }

    @Test func unknownRevokedExpiredAndOutsideAddressesAreRefused() async throws {
        let w = try await KeyWorld()
        #expect(try await w.refusal("tws_k1_nothing-like-a-real-secret") == .unknown)
        #expect(try await w.refusal("eyJhbGciOi.not-a-key") == .unknown)

        let revoked = try await w.create()
        _ = try await w.keys.revoke(w.world.root, companyId: w.company.id!, id: revoked.key.id!)
        #expect(try await w.refusal(revoked.secret) == .revoked)
        // Still listed, as revoked.
        #expect(try await w.keys.key(w.world.root, companyId: w.company.id!, id: revoked.key.id!).revokedAt != nil)

        let expiring = try await w.create()
        _ = try await w.keys.update(
            w.world.root,
            companyId: w.company.id!,
            id: expiring.key.id!,
            ApiKeyChanges(expiresAt: .some(w.clock.now.addingTimeInterval(60)))
        )
        #expect(try await w.principal(expiring.secret) != nil)
        w.clock.advance(61)
        #expect(try await w.refusal(expiring.secret) == .expired)

        let fenced = try await w.create(addresses: ["192.0.2.0/24", "2001:db8::/32"])
        #expect(try await w.principal(fenced.secret, from: "192.0.2.200") != nil)
        #expect(try await w.principal(fenced.secret, from: "2001:db8::7") != nil)
        #expect(try await w.refusal(fenced.secret, from: "198.51.100.1") == .address)
        #expect(try await w.refusal(fenced.secret, from: nil) == .address)

        let deleted = try await w.create()
        try await w.keys.delete(w.world.root, companyId: w.company.id!, id: deleted.key.id!)
        #expect(try await w.refusal(deleted.secret) == .unknown)

        // Refusals of known keys are audited with their reason.
        let refusals = try await w.audit(.apiKeyRefused).compactMap(\.detail)
        #expect(Set(refusals) == ["revoked", "expired", "address"])
        #expect(try await w.audit(.apiKeyRevoked).count == 1)
        #expect(try await w.audit(.apiKeyUpdated).count == 1)
        #expect(try await w.audit(.apiKeyDeleted).count == 1)

        // A client retrying a refused key in a loop writes one audit line a minute, not one per request.
        let revokedLines = { try await w.audit(.apiKeyRefused).filter { $0.detail == "revoked" }.count }
        let before = try await revokedLines()
        for _ in 0..<5 { #expect(try await w.refusal(revoked.secret) == .revoked) }
        #expect(try await revokedLines() == before + 1)
        w.clock.advance(61)
        #expect(try await w.refusal(revoked.secret) == .revoked)
        #expect(try await revokedLines() == before + 2)
    }

    @Test func theOldSecretWorksDuringTheOverlapOnly() async throws {
        let w = try await KeyWorld()
        let created = try await w.create()
        let rotated = try await w.keys.rotate(w.world.root, companyId: w.company.id!, id: created.key.id!, overlapSeconds: 600)
        #expect(rotated.secret != created.secret)
        #expect(rotated.key.prefix != created.key.prefix || rotated.key.secretHash != created.key.secretHash)
        #expect(try await w.principal(created.secret) != nil)
        #expect(try await w.principal(rotated.secret) != nil)
        w.clock.advance(599)
        #expect(try await w.principal(created.secret) != nil)
        w.clock.advance(2)
        #expect(try await w.refusal(created.secret) == .rotated)
        #expect(try await w.principal(rotated.secret) != nil)
        // Without overlap the old secret stops at once.
        let again = try await w.keys.rotate(w.world.root, companyId: w.company.id!, id: created.key.id!, overlapSeconds: 0)
        #expect(try await w.refusal(rotated.secret) == .unknown)
        #expect(try await w.principal(again.secret) != nil)
        let outOfRange = await domainError {
            _ = try await w.keys.rotate(w.world.root, companyId: w.company.id!, id: created.key.id!, overlapSeconds: 604_801)
        }
        #expect(outOfRange?.field == "overlapSeconds")
        #expect(try await w.audit(.apiKeyRotated).count == 2)
    }

    @Test func aKeyActsForItsUsersAndTheMembersOfItsGroupsOnly() async throws {
        let w = try await KeyWorld()
        let created = try await w.create(users: [w.alice], groups: [w.team])
        let key = try #require(try await w.principal(created.secret))
        // By user name, e-mail (any case) or external id.
        let alice = try await w.keys.actingUser(key, onBehalfOf: "alice", needing: .callsControl)
        #expect(alice.userId == w.alice.id)
        #expect(alice.apiKeyId == created.key.id)
        #expect(alice.domainId == w.domain.id)
        #expect(try await w.keys.actingUser(key, onBehalfOf: "alice@acme.EXAMPLE", needing: .callsRead).userId == w.alice.id)
        // Carol, through the group.
        #expect(try await w.keys.actingUser(key, onBehalfOf: "carol", needing: .presenceRead).userId == w.carol.id)
        // Bob is not in the key's users or groups: 404 like a user that does not exist.
        let bob = await domainError { _ = try await w.keys.actingUser(key, onBehalfOf: "bob", needing: .callsControl) }
        let nobody = await domainError { _ = try await w.keys.actingUser(key, onBehalfOf: "nobody", needing: .callsControl) }
        #expect(bob?.code == "not_found")
        #expect(bob?.field == "onBehalfOf")
        #expect(nobody?.code == bob?.code && nobody?.kind == bob?.kind)
        let missing = await domainError { _ = try await w.keys.actingUser(key, onBehalfOf: nil, needing: .callsControl) }
        #expect(missing?.code == "invalid_field")
        #expect(missing?.field == "onBehalfOf")
        // Adding bob to the group applies at the next request.
        try await w.world.admin.addMember(w.world.root, groupId: w.team.id!, userId: w.bob.id!)
        #expect(try await w.keys.actingUser(key, onBehalfOf: "bob", needing: .callsControl).userId == w.bob.id)
    }

    @Test(arguments: ApiKeyScope.allCases)
    func aKeyWithoutTheScopeIsRefused(_ scope: ApiKeyScope) async throws {
        let w = try await KeyWorld()
        let created = try await w.create(scopes: ApiKeyScope.allCases.filter { $0 != scope }, users: [w.alice])
        let key = try #require(try await w.principal(created.secret))
        let error = await domainError { _ = try await w.keys.actingUser(key, onBehalfOf: "alice", needing: scope) }
        #expect(error?.code == "scope_not_granted")
        #expect(error?.kind == .forbidden)
        #expect(error?.parameter == scope.rawValue)
        #expect(try await w.audit(.apiKeyRefused).compactMap(\.detail) == ["scope \(scope.rawValue)"])
    }

    @Test func anotherCompanysUsersAndKeysAreNotFound() async throws {
        let w = try await KeyWorld()
        let (other, otherDomain) = try await w.world.tenant("Other", licences: [.toolkit: 2])
        let stranger = try await w.world.user("stranger", in: otherDomain)
        // A key cannot name another company's user or group.
        let foreignUser = await domainError { _ = try await w.create(users: [stranger]) }
        #expect(foreignUser?.code == "not_found")
        #expect(foreignUser?.field == "actsFor.users")
        let created = try await w.create(users: [w.alice])
        let key = try #require(try await w.principal(created.secret))
        let error = await domainError { _ = try await w.keys.actingUser(key, onBehalfOf: "stranger", needing: .callsControl) }
        #expect(error?.code == "not_found")
        // An administrator of the other company sees no key of Acme, by either company's path.
        let otherAdmin = w.world.scopedAdmin([other])
        for companyId in [w.company.id!, other.id!] {
            let answer = await domainError { _ = try await w.keys.key(otherAdmin, companyId: companyId, id: created.key.id!) }
            #expect(answer?.code == "not_found")
            let revoke = await domainError { _ = try await w.keys.revoke(otherAdmin, companyId: companyId, id: created.key.id!) }
            #expect(revoke?.code == "not_found")
        }
        #expect(try await w.principal(created.secret) != nil)
    }

    @Test func eachLiveKeyUsesAToolkitLicence() async throws {
        let w = try await KeyWorld(toolkitLicences: 2)
        let first = try await w.create()
        let second = try await w.create()
        let exhausted = await domainError { _ = try await w.create() }
        #expect(exhausted?.code == "licence_exhausted")
        var toolkit = try #require(try await w.world.admin.licences(w.world.root, companyId: w.company.id!).first { $0.application == .toolkit })
        #expect(toolkit.used == 2)
        _ = try await w.keys.revoke(w.world.root, companyId: w.company.id!, id: first.key.id!)
        let third = try await w.create()
        try await w.keys.delete(w.world.root, companyId: w.company.id!, id: second.key.id!)
        _ = try await w.create()
        toolkit = try #require(try await w.world.admin.licences(w.world.root, companyId: w.company.id!).first { $0.application == .toolkit })
        #expect(toolkit.used == 2)
        #expect(third.key.id != nil)
        // A user granted Toolkit competes with the keys for the same licences.
        let grant = await domainError {
            _ = try await w.world.admin.grant(
                w.world.root,
                AuthorizationRequest(objectType: .application, application: .toolkit, granteeType: .user, granteeId: w.bob.id!)
            )
        }
        #expect(grant?.code == "licence_exhausted")
    }

    @Test func aUserTokenNamesOnlyItself() async throws {
        let w = try await KeyWorld()
        let own = UserPrincipal(userId: w.alice.id!, domainId: w.domain.id!, companyId: w.company.id!, sessionTokenId: "t")
        #expect(try await w.keys.ownUser(own, onBehalfOf: nil) == own)
        #expect(try await w.keys.ownUser(own, onBehalfOf: "alice") == own)
        let other = await domainError { _ = try await w.keys.ownUser(own, onBehalfOf: "bob") }
        #expect(other?.code == "forbidden")
        let nobody = await domainError { _ = try await w.keys.ownUser(own, onBehalfOf: "nobody") }
        #expect(nobody?.code == "forbidden")
    }

    @Test func badAddressesAndNamesAreRefusedNamingTheField() async throws {
        let w = try await KeyWorld()
        // The contract's shape but no address (a prefix longer than IPv4's): 422; not even the shape: 400.
        let address = await domainError { _ = try await w.create(addresses: ["10.0.0.0/8", "10.0.0.0/33"]) }
        #expect(address?.code == "invalid_address")
        #expect(address?.kind == .unprocessable)
        #expect(address?.field == "allowedAddresses[1]")
        let shape = await domainError { _ = try await w.create(addresses: [" 10.0.0.1", "intranet"]) }
        #expect(shape?.code == "invalid_field")
        #expect(shape?.field == "allowedAddresses[0]")
        let name = await domainError {
            _ = try await w.keys.create(w.world.root, companyId: w.company.id!, ApiKeyChanges(name: "   ", scopes: []))
        }
        #expect(name?.field == "name")
    }

    @Test(arguments: [
        ("192.0.2.0/24", "192.0.2.255", true), ("192.0.2.0/24", "192.0.3.0", false), ("192.0.2.7", "192.0.2.7", true),
        ("192.0.2.7", "192.0.2.8", false), ("0.0.0.0/0", "203.0.113.9", true), ("10.0.0.0/9", "10.127.0.1", true),
        ("10.0.0.0/9", "10.128.0.1", false), ("2001:db8::/32", "2001:db8:ffff::1", true), ("2001:db8::/32", "2001:db9::1", false),
        ("192.0.2.0/24", "::ffff:192.0.2.1", true), ("::1", "::1", true), ("192.0.2.0/24", "2001:db8::1", false),
    ])
    func addressRanges(_ range: String, _ address: String, _ inside: Bool) throws {
        let parsed = try #require(AddressRange(range))
        #expect(parsed.contains(address) == inside)
    }

    @Test(arguments: ["", "192.0.2.0/", "192.0.2.0/-1", "300.0.0.1", "2001:db8::/129", "example.org", "192.0.2.0/24/1"])
    func invalidAddressRanges(_ text: String) {
        #expect(AddressRange(text) == nil)
    }
}

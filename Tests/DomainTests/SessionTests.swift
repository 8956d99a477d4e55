import Auth
import Domain
import Foundation
import Logging
import Synchronization
import Testing

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

@Suite struct SessionTests {
    let world: World
    let clock = TestClock()
    let sessions: SessionService
    let domain: CompanyDomain
    let alice: User

    init() async throws {
        world = try await World()
        let hasher = BcryptHasher(cost: 4)
        let clock = self.clock
        sessions = try await SessionService(
            store: world.store,
            hasher: hasher,
            tokens: try await TokenIssuer(secret: Array(repeating: 7, count: 32)),
            authenticators: [TWSPasswordAuthenticator(hasher: hasher), NoAuthenticator(logger: Logger(label: "test"))],
            now: { clock.now }
        )
        domain = try await world.tenant("Acme").domain
        alice = try await world.user("alice", in: domain, password: "alice-password")
    }

    @Test func theRightPasswordOpensASessionAndTheTokenNamesTheUser() async throws {
        let result = try await sessions.loginUser(LoginAttempt(username: "alice", password: "alice-password"))
        #expect(result.method == .tws)
        #expect(result.methods == [.tws])
        let principal = try await sessions.user(token: result.token)
        #expect(principal.userId == alice.id)
        #expect(principal.domainId == domain.id)
    }

    @Test(arguments: [("alice", "wrong-password"), ("alice", ""), ("nobody", "alice-password")])
    func wrongCredentialsAndUnknownUsersGetTheSameAnswer(username: String, password: String) async throws {
        let error = await domainError { _ = try await sessions.loginUser(LoginAttempt(username: username, password: password)) }
        #expect(error == .invalidCredentials)
    }

    @Test func noneIsRefusedUntilAnAdministratorListsIt() async throws {
        #expect(await domainError { _ = try await sessions.loginUser(LoginAttempt(username: "alice")) } == .invalidCredentials)
        _ = try await world.admin.setParameter(
            world.root,
            scope: .domain,
            scopeId: domain.id!,
            application: .twsServer,
            name: "AuthMethods",
            value: "TWS|None"
        )
        let result = try await sessions.loginUser(LoginAttempt(username: "alice"))
        #expect(result.method == .none)
        #expect(result.methods == [.tws, .none])
    }

    @Test func tokensExpireLogoutRevokesAndDisablingAUserCutsItOff() async throws {
        let first = try await sessions.loginUser(LoginAttempt(username: "alice", password: "alice-password"))
        clock.advance(720 * 60 + 1)
        #expect(await domainError { _ = try await sessions.user(token: first.token) } == .unauthenticated)

        let second = try await sessions.loginUser(LoginAttempt(username: "alice", password: "alice-password"))
        let principal = try await sessions.user(token: second.token)
        try await sessions.logout(tokenId: principal.sessionTokenId)
        #expect(await domainError { _ = try await sessions.user(token: second.token) } == .unauthenticated)

        let third = try await sessions.loginUser(LoginAttempt(username: "alice", password: "alice-password"))
        _ = try await world.admin.updateUser(world.root, id: alice.id!, UserChanges(enabled: false))
        #expect(await domainError { _ = try await sessions.user(token: third.token) } == .unauthenticated)
        #expect(
            await domainError { _ = try await sessions.loginUser(LoginAttempt(username: "alice", password: "alice-password")) } == .invalidCredentials
        )
    }

    /// Checks are kept in memory between requests; each change below follows a successful check of the same token,
    /// so a kept answer would let it through.
    @Test func aTokenCheckedBeforeIsCutOffAtOnceByLogoutRefreshDisablingDeletionAndExpiry() async throws {
        func signIn() async throws -> String {
            let token = try await sessions.loginUser(LoginAttempt(username: "alice", password: "alice-password")).token
            #expect(try await sessions.user(token: token).userId == alice.id)
            #expect(try await sessions.user(token: token).userId == alice.id)
            return token
        }
        let loggedOut = try await signIn()
        try await sessions.logout(tokenId: try await sessions.user(token: loggedOut).sessionTokenId)
        #expect(await domainError { _ = try await sessions.user(token: loggedOut) } == .unauthenticated)

        let refreshed = try await signIn()
        let fresh = try await sessions.refresh(tokenId: try await sessions.user(token: refreshed).sessionTokenId)
        #expect(await domainError { _ = try await sessions.user(token: refreshed) } == .unauthenticated)
        #expect(try await sessions.user(token: fresh.token).userId == alice.id)

        let expiring = try await signIn()
        clock.advance(720 * 60 + 1)
        #expect(await domainError { _ = try await sessions.user(token: expiring) } == .unauthenticated)
        #expect(await domainError { _ = try await sessions.user(token: fresh.token) } == .unauthenticated)

        // A row changed by another part of the server, not through SessionService.
        let revokedElsewhere = try await signIn()
        let tokenId = try await sessions.user(token: revokedElsewhere).sessionTokenId
        try await world.store.write { tx in
            guard var session = try tx.session(tokenId: tokenId) else { return }
            session.revokedAt = Date(timeIntervalSince1970: 0)
            try tx.update(session)
        }
        #expect(await domainError { _ = try await sessions.user(token: revokedElsewhere) } == .unauthenticated)

        let disabled = try await signIn()
        _ = try await world.admin.updateUser(world.root, id: alice.id!, UserChanges(enabled: false))
        #expect(await domainError { _ = try await sessions.user(token: disabled) } == .unauthenticated)
        _ = try await world.admin.updateUser(world.root, id: alice.id!, UserChanges(enabled: true))
        // Disabling revoked the user's sessions: enabling the user again does not bring them back.
        #expect(await domainError { _ = try await sessions.user(token: disabled) } == .unauthenticated)

        let forgedFrom = try await signIn()
        let parts = forgedFrom.split(separator: ".")
        // The signature's first character, not its last: the last base64url character of a 32-byte signature also
        // carries two padding bits, so changing it can leave the decoded signature the same (a 1-in-16 false pass).
        let forged = parts[0] + "." + parts[1] + "." + (parts[2].first == "A" ? "B" : "A") + String(parts[2].dropFirst())
        #expect(await domainError { _ = try await sessions.user(token: String(forged)) } == .unauthenticated)

        let deleted = try await signIn()
        try await world.admin.deleteUser(world.root, id: alice.id!)
        #expect(await domainError { _ = try await sessions.user(token: deleted) } == .unauthenticated)
        #expect(await domainError { _ = try await sessions.user(token: forgedFrom) } == .unauthenticated)
    }

    @Test func userAndAdminTokensAreNotInterchangeableAndForgedTokensFail() async throws {
        let user = try await sessions.loginUser(LoginAttempt(username: "alice", password: "alice-password"))
        #expect(await domainError { _ = try await sessions.admin(token: user.token) } == .unauthenticated)
        let parts = user.token.split(separator: ".")
        let forged = parts[0] + "." + parts[1] + "." + String(parts[2].reversed())
        #expect(await domainError { _ = try await sessions.user(token: String(forged)) } == .unauthenticated)
        let unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."
        #expect(await domainError { _ = try await sessions.user(token: unsigned) } == .unauthenticated)
    }

    @Test func aNameInTwoDomainsLogsInWhereThePasswordMatchesAndAsksForTheDomainOnlyWhenBothMatch() async throws {
        let (_, other) = try await world.tenant("Globex")
        let twin = try await world.user("alice", in: other, password: "other-password")
        #expect(try await sessions.loginUser(LoginAttempt(username: "alice", password: "other-password")).userId == twin.id)
        #expect(try await sessions.loginUser(LoginAttempt(username: "alice", password: "alice-password")).userId == alice.id)
        #expect(await domainError { _ = try await sessions.loginUser(LoginAttempt(username: "alice", password: "nobody's")) } == .invalidCredentials)

        _ = try await world.admin.updateUser(world.root, id: twin.id!, UserChanges(password: "alice-password"))
        let ambiguous = await domainError { _ = try await sessions.loginUser(LoginAttempt(username: "alice", password: "alice-password")) }
        #expect(ambiguous?.code == "domain_required")
        let result = try await sessions.loginUser(LoginAttempt(company: "Globex", domain: "Globex HQ", username: "alice", password: "alice-password"))
        #expect(result.userId == twin.id)
    }

    @Test func theProfileListsDevicesApplicationsAndResolvedParameters() async throws {
        _ = try await world.admin.createDevice(world.root, userId: alice.id!, DeviceChanges(number: "1001"))
        _ = try await world.admin.setLicences(world.root, companyId: alice.companyId, application: .caller, available: 1)
        _ = try await world.admin.grant(
            world.root,
            AuthorizationRequest(objectType: .application, application: .caller, granteeType: .user, granteeId: alice.id!)
        )
        let result = try await sessions.loginUser(LoginAttempt(username: "alice", password: "alice-password"))
        let profile = try await UserProfileService(store: world.store).profile(try await sessions.user(token: result.token))
        #expect(profile.devices.map(\.number) == ["1001"])
        #expect(profile.applications == [.caller])
        #expect(Set(profile.parameters.map(\.application)) == [.twsServer, .caller])
        #expect(profile.company.name == "Acme")
    }
}

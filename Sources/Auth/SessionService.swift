import Domain
import Foundation
import Logging

/// The answer to a successful login.
public struct LoginResult: Sendable, Equatable {
    public var token: String
    public var expiresAt: Date
    public var userId: Int64
    /// The user's resolved `AuthMethods`, so a client knows which methods it may try.
    public var methods: [AuthMethod]
    public var method: AuthMethod
}

/// The answer to a successful administrator login.
public struct AdminLoginResult: Sendable, Equatable {
    public var token: String
    public var expiresAt: Date
    public var passwordChangeRequired: Bool
}

/// Logs users and administrators in and out and turns tokens back into principals.
public struct SessionService<Store: TenantStore>: Sendable {
    public let store: Store
    let hasher: any PasswordHasher
    let tokens: TokenIssuer
    let authenticators: [AuthMethod: any Authenticator]
    let adminLifetime: TimeInterval
    let now: @Sendable () -> Date
    /// Checked for unknown users too, so a login takes as long whether or not the user exists.
    private let decoyHash: String

    public init(
        store: Store,
        hasher: any PasswordHasher,
        tokens: TokenIssuer,
        authenticators: [any Authenticator],
        adminLifetime: TimeInterval = 8 * 3600,
        now: @escaping @Sendable () -> Date = Date.init
    ) throws {
        self.store = store
        self.hasher = hasher
        self.tokens = tokens
        self.authenticators = Dictionary(authenticators.map { ($0.method, $0) }, uniquingKeysWith: { first, _ in first })
        self.adminLifetime = adminLifetime
        self.now = now
        self.decoyHash = try hasher.hash("decoy-password-never-matches")
    }

    /// Logs a user in with the methods their resolved `AuthMethods` allows.
    public func loginUser(_ attempt: LoginAttempt) async throws -> LoginResult {
        let username = attempt.username.trimmingCharacters(in: .whitespaces)
        guard !username.isEmpty, username.count <= 256 else { throw DomainError.invalid(field: "username", "username is required") }
        if let password = attempt.password, password.utf8.count > 1024 { throw DomainError.invalid(field: "password", "password is too long") }
        let candidates = try await store.read { tx -> [(User, [ResolvedParameter])] in
            let definitions = ParameterCatalogue.all.filter { $0.application == .twsServer }
            return try LoginLookup.candidates(company: attempt.company, domain: attempt.domain, username: username, tx).map { user in
                (user, try ParameterResolver().resolve(definitions, for: user, in: tx))
            }
        }
        if candidates.isEmpty { _ = hasher.verify(attempt.password ?? "", hash: decoyHash) }
        // Every candidate is tried, so whether a name exists in several domains is only told to a
        // caller who proved a password for more than one of them.
        var proven: [(user: User, parameters: [String: String], methods: [AuthMethod], method: AuthMethod)] = []
        for (user, resolved) in candidates {
            let parameters = Dictionary(resolved.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
            let methods = (try? AuthMethod.parseList(parameters["AuthMethods"] ?? "TWS")) ?? [.tws]
            for method in methods {
                guard let authenticator = authenticators[method] else { continue }
                if try await authenticator.authenticate(attempt, user: user, parameters: parameters) {
                    proven.append((user, parameters, methods, method))
                    break
                }
            }
        }
        guard let winner = proven.first, let userId = winner.user.id else { throw DomainError.invalidCredentials }
        guard proven.count == 1 else {
            throw DomainError(.invalid, code: "domain_required", "Several users have this name; give the company and domain", field: "domain")
        }
        let (user, parameters, methods, method) = winner
        let lifetimeMinutes = Double(parameters["SessionLifetimeMinutes"] ?? "") ?? 720
        let session = try await open(.user, subjectId: userId, companyId: user.companyId, method: method.rawValue, lifetime: lifetimeMinutes * 60)
        return LoginResult(token: try await tokens.sign(session), expiresAt: session.expiresAt, userId: userId, methods: methods, method: method)
    }

    /// Logs an administrator in (separate from users; scoped to the account's companies).
    public func loginAdmin(username: String, password: String) async throws -> AdminLoginResult {
        guard !username.isEmpty, username.count <= 256, password.utf8.count <= 1024 else { throw DomainError.invalidCredentials }
        let account = try await store.read { tx in try tx.first(AdminAccount.self, .equals("username", .text(username))) }
        guard let account, let adminId = account.id else {
            _ = hasher.verify(password, hash: decoyHash)
            throw DomainError.invalidCredentials
        }
        guard hasher.verify(password, hash: account.passwordHash) else { throw DomainError.invalidCredentials }
        let session = try await open(.admin, subjectId: adminId, companyId: nil, method: "TWS", lifetime: adminLifetime)
        return AdminLoginResult(
            token: try await tokens.sign(session),
            expiresAt: session.expiresAt,
            passwordChangeRequired: account.mustChangePassword
        )
    }

    /// Revokes the session a token belongs to; the token stops working at once.
    public func logout(tokenId: String) async throws {
        let now = self.now()
        try await store.write { tx in
            guard var session = try tx.first(Session.self, .equals("tokenId", .text(tokenId))) else { return }
            if session.revokedAt == nil {
                session.revokedAt = now
                try tx.update(session)
            }
        }
    }

    /// The user behind a live user token.
    public func user(token: String) async throws -> UserPrincipal {
        let (tokenId, kind) = try await tokens.verify(token)
        guard kind == .user else { throw DomainError.unauthenticated }
        let now = self.now()
        return try await store.read { tx in
            guard let session = try tx.first(Session.self, .equals("tokenId", .text(tokenId))), session.kind == .user, session.isLive(at: now),
                let user = try tx.fetchOne(User.self, id: session.subjectId), user.enabled, let userId = user.id
            else { throw DomainError.unauthenticated }
            return UserPrincipal(userId: userId, domainId: user.domainId, companyId: user.companyId, sessionTokenId: tokenId)
        }
    }

    /// The administrator behind a live admin token, with the account's current scope.
    public func admin(token: String) async throws -> AdminPrincipal {
        let (tokenId, kind) = try await tokens.verify(token)
        guard kind == .admin else { throw DomainError.unauthenticated }
        let now = self.now()
        return try await store.read { tx in
            guard let session = try tx.first(Session.self, .equals("tokenId", .text(tokenId))), session.kind == .admin, session.isLive(at: now),
                let account = try tx.fetchOne(AdminAccount.self, id: session.subjectId)
            else { throw DomainError.unauthenticated }
            return AdminPrincipal(account, sessionTokenId: tokenId)
        }
    }

    private func open(_ kind: Session.Kind, subjectId: Int64, companyId: Int64?, method: String, lifetime: TimeInterval) async throws -> Session {
        let now = self.now()
        let session = Session(
            tokenId: TokenIssuer.newTokenId(),
            kind: kind,
            subjectId: subjectId,
            companyId: companyId,
            method: method,
            createdAt: now,
            expiresAt: now.addingTimeInterval(lifetime)
        )
        // Expired sessions are dropped as new ones open, so the table does not grow without bound.
        return try await store.write { tx in
            let previous = try tx.fetchAll(Session.self, RecordQuery([.equals("kind", .text(kind.rawValue)), .equals("subjectId", .int(subjectId))]))
            for old in previous where old.expiresAt < now { try tx.delete(Session.self, id: old.id ?? 0) }
            return try tx.insert(session)
        }
    }
}

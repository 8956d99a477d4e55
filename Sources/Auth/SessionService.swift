import Domain
import Foundation
import Logging

/// Logs users and administrators in and out and turns tokens back into principals.
public struct SessionService: Sendable {
    public let store: any TenantStore
    let hasher: any PasswordHasher
    let tokens: TokenIssuer
    let authenticators: [AuthMethod: any Authenticator]
    let adminLifetime: TimeInterval
    let now: @Sendable () -> Date
    /// Locks names and client addresses after repeated failed sign-ins.
    let loginGuard: LoginGuard
    /// Checked for unknown users too, so a login takes as long whether or not the user exists.
    private let decoyHash: String
    /// User tokens found live, as of a `sessionVersion` (see `user(token:)`).
    private let checkedUsers = VersionedCache<String, CheckedUser>(capacity: 10_000)

    private struct CheckedUser: Sendable {
        var principal: UserPrincipal
        var expiresAt: Date
    }

    public init(
        store: any TenantStore,
        hasher: any PasswordHasher,
        tokens: TokenIssuer,
        authenticators: [any Authenticator],
        adminLifetime: TimeInterval = 8 * 3600,
        loginGuard: LoginGuard = LoginGuard(),
        now: @escaping @Sendable () -> Date = Date.init
    ) async throws {
        self.loginGuard = loginGuard
        self.store = store
        self.hasher = hasher
        self.tokens = tokens
        self.authenticators = Dictionary(authenticators.map { ($0.method, $0) }, uniquingKeysWith: { first, _ in first })
        self.adminLifetime = adminLifetime
        self.now = now
        self.decoyHash = try await hasher.hash("decoy-password-never-matches")
    }

    /// Logs a user in with the methods their resolved `AuthMethods` allows.
    public func loginUser(_ attempt: LoginAttempt) async throws -> LoginResult {
        let username = attempt.username.trimmingCharacters(in: .whitespaces)
        guard !username.isEmpty, username.count <= 256 else { throw DomainError.invalid(field: "username", "username is required") }
        if let password = attempt.password, password.unicodeScalars.count > PasswordPolicy.maximumLength { throw DomainError.invalid(field: "password", "password is too long") }
        let clock = now().timeIntervalSince1970
        if let lock = await loginGuard.lock(username: username, address: attempt.clientAddress, now: clock) {
            await audit(
                AuditEntry(time: now(), kind: .loginLocked, username: username, clientAddress: attempt.clientAddress, detail: "\(lock.scope) locked")
            )
            throw Self.locked(lock)
        }
        let candidates = try await store.read { tx -> [(User, [ResolvedParameter])] in
            let definitions = ParameterCatalogue.all.filter { $0.application == .twsServer }
            return try LoginLookup.candidates(company: attempt.company, domain: attempt.domain, username: username, tx).map { user in
                (user, try ParameterResolver().resolve(definitions, for: user, in: tx))
            }
        }
        if candidates.isEmpty { _ = await hasher.verify(attempt.password ?? "", hash: decoyHash) }
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
        guard let winner = proven.first, let userId = winner.user.id else {
            // The company and user are named only when the name designates exactly one user.
            let only = candidates.count == 1 ? candidates.first?.0 : nil
            let failure = AuditEntry(
                time: now(),
                kind: .loginFailed,
                companyId: only?.companyId,
                userId: only?.id,
                username: username,
                clientAddress: attempt.clientAddress
            )
            await audit(failure)
            if let lock = await loginGuard.failed(username: username, address: attempt.clientAddress, now: clock) {
                var locked = failure
                locked.kind = .loginLocked
                locked.detail = "\(lock.scope) locked for \(lock.retryAfter) s after repeated failures"
                await audit(locked)
            }
            throw DomainError.invalidCredentials
        }
        guard proven.count == 1 else {
            throw DomainError(.invalid, code: "domain_required", "Several users have this name; give the company and domain", field: "domain")
        }
        let (user, parameters, methods, method) = winner
        await loginGuard.succeeded(username: username)
        if method == .tws, let password = attempt.password, let hash = user.passwordHash, hasher.needsUpgrade(hash) {
            // The password just proved right: its hash is rewritten in the current form (every byte counting).
            let upgraded = try await hasher.hash(password)
            try await store.write { tx in
                guard var stored = try tx.user(id: userId), stored.passwordHash == hash else { return }
                stored.passwordHash = upgraded
                try tx.update(stored)
            }
        }
        return try await openUserSession(
            user,
            userId: userId,
            parameters: parameters,
            methods: methods,
            method: method,
            clientAddress: attempt.clientAddress,
            detail: nil
        )
    }

    /// Opens a user session after a successful sign-in, with its audit line in the same transaction.
    private func openUserSession(
        _ user: User,
        userId: Int64,
        parameters: [String: String],
        methods: [AuthMethod],
        method: AuthMethod,
        clientAddress: String?,
        detail: String?
    ) async throws -> LoginResult {
        let lifetimeMinutes = Double(parameters["SessionLifetimeMinutes"] ?? "") ?? 720
        let session = try await open(
            .user,
            subjectId: userId,
            companyId: user.companyId,
            method: method.rawValue,
            lifetime: lifetimeMinutes * 60,
            audit: AuditEntry(
                time: now(),
                kind: .loginSucceeded,
                companyId: user.companyId,
                userId: userId,
                username: user.username,
                method: method.rawValue,
                clientAddress: clientAddress,
                detail: detail
            )
        )
        return LoginResult(token: try await tokens.sign(session), expiresAt: session.expiresAt, userId: userId, methods: methods, method: method)
    }

    /// Signs in the user a Negotiate exchange authenticated (Windows single sign-on, admin guide 6.2): the principal's
    /// user name must name exactly one enabled user whose `AuthMethods` contains `WindowsSecurity`.
    public func loginNegotiated(_ principal: NegotiateAcceptor.Principal, clientAddress: String?) async throws -> LoginResult {
        let candidates = try await store.read { tx -> [(User, [String: String])] in
            let definitions = ParameterCatalogue.all.filter { $0.application == .twsServer }
            return try LoginLookup.candidates(company: nil, domain: nil, username: principal.user, tx).map { user in
                (
                    user,
                    Dictionary(
                        try ParameterResolver().resolve(definitions, for: user, in: tx).map { ($0.name, $0.value) },
                        uniquingKeysWith: { a, _ in a }
                    )
                )
            }
        }
        let allowed = candidates.filter { _, parameters in
            ((try? AuthMethod.parseList(parameters["AuthMethods"] ?? "TWS")) ?? [.tws]).contains(.windowsSecurity)
        }
        guard allowed.count == 1, let (user, parameters) = allowed.first, let userId = user.id else {
            await audit(
                AuditEntry(
                    time: now(),
                    kind: .loginFailed,
                    companyId: allowed.count == 1 ? allowed.first?.0.companyId : nil,
                    username: principal.user,
                    method: AuthMethod.windowsSecurity.rawValue,
                    clientAddress: clientAddress,
                    detail: allowed.isEmpty
                        ? "\(principal.name): no user with WindowsSecurity" : "\(principal.name): several users with WindowsSecurity"
                )
            )
            throw DomainError.invalidCredentials
        }
        return try await openUserSession(
            user,
            userId: userId,
            parameters: parameters,
            methods: (try? AuthMethod.parseList(parameters["AuthMethods"] ?? "TWS")) ?? [.tws],
            method: .windowsSecurity,
            clientAddress: clientAddress,
            detail: "\(principal.name) (\(principal.mechanism))"
        )
    }

    /// Writes the audit line of a refused Negotiate token (its reason stays on the server).
    public func auditNegotiateRefusal(_ reason: String, clientAddress: String?) async {
        await audit(
            AuditEntry(
                time: now(),
                kind: .loginFailed,
                username: "",
                method: AuthMethod.windowsSecurity.rawValue,
                clientAddress: clientAddress,
                detail: String(reason.prefix(300))
            )
        )
    }

    /// Trades a live user token for a new one with a fresh lifetime; the old token stops working at once.
    public func refresh(tokenId: String, clientAddress: String? = nil) async throws -> LoginResult {
        let now = self.now()
        let (session, user, parameters) = try await store.write { tx -> (Session, User, [String: String]) in
            guard var old = try tx.session(tokenId: tokenId), old.kind == .user, old.isLive(at: now),
                let user = try tx.user(id: old.subjectId), user.enabled, let userId = user.id
            else { throw DomainError.unauthenticated }
            let definitions = ParameterCatalogue.all.filter { $0.application == .twsServer }
            let parameters = Dictionary(
                try ParameterResolver().resolve(definitions, for: user, in: tx).map { ($0.name, $0.value) },
                uniquingKeysWith: { first, _ in first }
            )
            old.revokedAt = now
            try tx.update(old)
            let lifetimeMinutes = Double(parameters["SessionLifetimeMinutes"] ?? "") ?? 720
            let fresh = try tx.insert(
                Session(
                    tokenId: TokenIssuer.newTokenId(),
                    kind: .user,
                    subjectId: userId,
                    companyId: user.companyId,
                    method: old.method,
                    createdAt: now,
                    expiresAt: now.addingTimeInterval(lifetimeMinutes * 60)
                )
            )
            _ = try tx.insert(
                AuditEntry(
                    time: now,
                    kind: .sessionRefreshed,
                    companyId: user.companyId,
                    userId: userId,
                    username: user.username,
                    method: old.method,
                    clientAddress: clientAddress
                )
            )
            return (fresh, user, parameters)
        }
        let methods = (try? AuthMethod.parseList(parameters["AuthMethods"] ?? "TWS")) ?? [.tws]
        return LoginResult(
            token: try await tokens.sign(session),
            expiresAt: session.expiresAt,
            userId: user.id ?? 0,
            methods: methods,
            method: AuthMethod(rawValue: session.method) ?? .tws
        )
    }

    /// The problem a locked sign-in answers.
    static func locked(_ lock: LoginGuard.Lock) -> DomainError {
        var error = DomainError(.tooManyRequests, code: "login_locked", "Too many failed sign-ins; retry in \(lock.retryAfter) s")
        error.retryAfter = lock.retryAfter
        return error
    }

    /// Writes an audit line on its own (failures and locks, which have no other write to join).
    private func audit(_ entry: AuditEntry) async {
        _ = try? await store.write { tx in try tx.insert(entry) }
    }

    /// Logs an administrator in (separate from users; scoped to the account's companies).
    public func loginAdmin(username: String, password: String, clientAddress: String? = nil) async throws -> AdminLoginResult {
        guard !username.isEmpty, username.unicodeScalars.count <= 256, password.unicodeScalars.count <= PasswordPolicy.maximumLength else { throw DomainError.invalidCredentials }
        // Administrators are guarded like users, under a name users cannot have.
        let guardName = "admin\u{0}" + username
        let clock = now().timeIntervalSince1970
        if let lock = await loginGuard.lock(username: guardName, address: clientAddress, now: clock) {
            await audit(
                AuditEntry(time: now(), kind: .adminLoginFailed, username: username, clientAddress: clientAddress, detail: "\(lock.scope) locked")
            )
            throw Self.locked(lock)
        }
        let account = try await store.read { tx in try tx.adminAccount(named: username) }
        let verified: Bool
        if let account {
            verified = await hasher.verify(password, hash: account.passwordHash)
        } else {
            // As long as a real check, so timing does not tell which names exist.
            _ = await hasher.verify(password, hash: decoyHash)
            verified = false
        }
        guard let account, let adminId = account.id, verified else {
            await audit(AuditEntry(time: now(), kind: .adminLoginFailed, username: username, clientAddress: clientAddress))
            if let lock = await loginGuard.failed(username: guardName, address: clientAddress, now: clock) {
                await audit(
                    AuditEntry(
                        time: now(),
                        kind: .adminLoginFailed,
                        username: username,
                        clientAddress: clientAddress,
                        detail: "\(lock.scope) locked for \(lock.retryAfter) s after repeated failures"
                    )
                )
            }
            throw DomainError.invalidCredentials
        }
        await loginGuard.succeeded(username: guardName)
        if hasher.needsUpgrade(account.passwordHash) {
            // The password just proved right: its hash is rewritten in the current form (every byte counting).
            let upgraded = try await hasher.hash(password)
            try await store.write { tx in
                guard var stored = try tx.adminAccount(id: adminId), stored.passwordHash == account.passwordHash else { return }
                stored.passwordHash = upgraded
                try tx.update(stored)
            }
        }
        let session = try await open(
            .admin,
            subjectId: adminId,
            companyId: nil,
            method: "TWS",
            lifetime: adminLifetime,
            audit: AuditEntry(time: now(), kind: .adminLoginSucceeded, username: account.username, method: "TWS", clientAddress: clientAddress)
        )
        return AdminLoginResult(
            token: try await tokens.sign(session),
            expiresAt: session.expiresAt,
            passwordChangeRequired: account.mustChangePassword
        )
    }

    /// Revokes the session a token belongs to; the token stops working at once.
    public func logout(tokenId: String, clientAddress: String? = nil) async throws {
        let now = self.now()
        try await store.write { tx in
            guard var session = try tx.session(tokenId: tokenId) else { return }
            if session.revokedAt == nil {
                session.revokedAt = now
                try tx.update(session)
                if session.kind == .user, let user = try tx.user(id: session.subjectId) {
                    _ = try tx.insert(
                        AuditEntry(
                            time: now,
                            kind: .logout,
                            companyId: user.companyId,
                            userId: user.id,
                            username: user.username,
                            method: session.method,
                            clientAddress: clientAddress
                        )
                    )
                }
            }
        }
    }

    /// The user behind a live user token.
    ///
    /// A token already checked is answered from memory while `sessionVersion` stays the same and the session has not
    /// expired: any committed change to sessions or users (logout, refresh, a user disabled or deleted) moves that
    /// version, so the next request checks the database again. Keyed by the whole token, so a hit is a token whose
    /// signature was verified.
    public func user(token: String) async throws -> UserPrincipal {
        if let known = cachedUser(token) { return known }
        let (tokenId, kind) = try await tokens.verify(token)
        guard kind == .user else { throw DomainError.unauthenticated }
        return try await user(token: token, tokenId: tokenId)
    }

    /// The user of a token checked earlier, while sessions and users stay as they were and the session lasts; nil when
    /// the token must be checked (`caller(token:)`). It never suspends: the HTTP event loop's lookups use it.
    public func cachedUser(_ token: String) -> UserPrincipal? {
        guard let known = checkedUsers.cached(token, version: store.sessionVersion), now() < known.expiresAt else { return nil }
        return known.principal
    }

    /// The user of a verified user token, from its live session.
    private func user(token: String, tokenId: String) async throws -> UserPrincipal {
        let version = store.sessionVersion
        let now = self.now()
        let checked = try await store.read { tx in
            guard let session = try tx.session(tokenId: tokenId), session.kind == .user, session.isLive(at: now),
                let user = try tx.user(id: session.subjectId), user.enabled, let userId = user.id
            else { throw DomainError.unauthenticated }
            return CheckedUser(
                principal: UserPrincipal(userId: userId, domainId: user.domainId, companyId: user.companyId, sessionTokenId: tokenId),
                expiresAt: session.expiresAt
            )
        }
        checkedUsers.keep(checked, for: token, version: version)
        return checked.principal
    }

    /// Whoever a bearer token signs in: a user or an administrator with a live session, else why not.
    public func caller(token: String) async -> Caller {
        if let known = cachedUser(token) { return .user(known) }
        do {
            // The token's kind decides which session it must open.
            let (tokenId, kind) = try await tokens.verify(token)
            switch kind {
            case .user: return .user(try await user(token: token, tokenId: tokenId))
            case .admin: return .admin(try await admin(tokenId: tokenId))
            }
        } catch {
            return .refused(error)
        }
    }

    /// The administrator behind a live admin token, with the account's current scope.
    public func admin(token: String) async throws -> AdminPrincipal {
        let (tokenId, kind) = try await tokens.verify(token)
        guard kind == .admin else { throw DomainError.unauthenticated }
        return try await admin(tokenId: tokenId)
    }

    /// The administrator of a verified admin token, from its live session.
    private func admin(tokenId: String) async throws -> AdminPrincipal {
        let now = self.now()
        return try await store.read { tx in
            guard let session = try tx.session(tokenId: tokenId), session.kind == .admin, session.isLive(at: now),
                let account = try tx.adminAccount(id: session.subjectId)
            else { throw DomainError.unauthenticated }
            return AdminPrincipal(account, sessionTokenId: tokenId)
        }
    }

    /// Opens a session and writes its audit line in the same transaction.
    private func open(
        _ kind: Session.Kind,
        subjectId: Int64,
        companyId: Int64?,
        method: String,
        lifetime: TimeInterval,
        audit: AuditEntry
    ) async throws -> Session {
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
            let previous = try tx.sessions(kind: kind, subjectId: subjectId)
            for old in previous where old.expiresAt < now { try tx.deleteSession(id: old.id ?? 0) }
            _ = try tx.insert(audit)
            return try tx.insert(session)
        }
    }
}

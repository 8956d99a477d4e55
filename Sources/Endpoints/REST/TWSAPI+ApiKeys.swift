import API
import Auth
import Domain
import Foundation

/// Companies' API keys (issue 19): thin handlers over `ApiKeyService`, which checks the administrator's scope.
extension TWSAPI {
    package func listApiKeys(_ input: Operations.ListApiKeys.Input) async throws -> Operations.ListApiKeys.Output {
        let keys = try await apiKeys.keys(try Caller.current.admin(), companyId: input.path.companyId)
        return .ok(.init(body: .json(.init(items: try keys.map(Components.Schemas.ApiKey.init)))))
    }

    package func createApiKey(_ input: Operations.CreateApiKey.Input) async throws -> Operations.CreateApiKey.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let changes = ApiKeyChanges(
            name: body.name,
            scopes: try body.scopes.map(ApiKeyScope.init),
            actsForUsers: body.actsFor?.users,
            actsForGroups: body.actsFor?.groups,
            expiresAt: body.expiresAt.map { .some($0) },
            allowedAddresses: body.allowedAddresses,
            allowedOrigins: body.allowedOrigins
        )
        let created = try await apiKeys.create(
            try Caller.current.admin(),
            companyId: input.path.companyId,
            changes,
            clientAddress: RequestFacts.current.clientAddress
        )
        return .created(.init(body: .json(try .init(created))))
    }

    package func getApiKey(_ input: Operations.GetApiKey.Input) async throws -> Operations.GetApiKey.Output {
        let key = try await apiKeys.key(try Caller.current.admin(), companyId: input.path.companyId, id: input.path.keyId)
        return .ok(.init(body: .json(try .init(key))))
    }

    package func updateApiKey(_ input: Operations.UpdateApiKey.Input) async throws -> Operations.UpdateApiKey.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        if body.clearExpiry == true, body.expiresAt != nil {
            // Both have the contract's shape; together they contradict each other (422, as meaning).
            var error = DomainError(.unprocessable, code: "conflicting_fields", "Send either expiresAt or clearExpiry, not both")
            error.field = "clearExpiry"
            throw error
        }
        let changes = ApiKeyChanges(
            name: body.name,
            scopes: try body.scopes?.map(ApiKeyScope.init),
            actsForUsers: body.actsFor?.users,
            actsForGroups: body.actsFor?.groups,
            expiresAt: body.clearExpiry == true ? .some(nil) : body.expiresAt.map { .some($0) },
            allowedAddresses: body.allowedAddresses,
            allowedOrigins: body.allowedOrigins
        )
        let key = try await apiKeys.update(
            try Caller.current.admin(),
            companyId: input.path.companyId,
            id: input.path.keyId,
            changes,
            clientAddress: RequestFacts.current.clientAddress
        )
        return .ok(.init(body: .json(try .init(key))))
    }

    package func deleteApiKey(_ input: Operations.DeleteApiKey.Input) async throws -> Operations.DeleteApiKey.Output {
        try await apiKeys.delete(
            try Caller.current.admin(),
            companyId: input.path.companyId,
            id: input.path.keyId,
            clientAddress: RequestFacts.current.clientAddress
        )
        return .noContent(.init())
    }

    package func rotateApiKey(_ input: Operations.RotateApiKey.Input) async throws -> Operations.RotateApiKey.Output {
        var overlap: Int?
        if case .json(let body)? = input.body { overlap = body.overlapSeconds.map(Int.init) }
        let rotated = try await apiKeys.rotate(
            try Caller.current.admin(),
            companyId: input.path.companyId,
            id: input.path.keyId,
            overlapSeconds: overlap,
            clientAddress: RequestFacts.current.clientAddress
        )
        return .ok(.init(body: .json(try .init(rotated))))
    }

    package func revokeApiKey(_ input: Operations.RevokeApiKey.Input) async throws -> Operations.RevokeApiKey.Output {
        let key = try await apiKeys.revoke(
            try Caller.current.admin(),
            companyId: input.path.companyId,
            id: input.path.keyId,
            clientAddress: RequestFacts.current.clientAddress
        )
        return .ok(.init(body: .json(try .init(key))))
    }

    /// The user an operation acts for: the caller's own user, or the one an API key names in `onBehalfOf`.
    func actingUser(_ onBehalfOf: String?, _ scope: ApiKeyScope) async throws -> UserPrincipal {
        try await Caller.current.user(onBehalfOf: onBehalfOf, needing: scope, keys: apiKeys)
    }
}

extension ApiKeyScope {
    init(_ scope: Components.Schemas.ApiKeyScope) throws {
        guard let value = ApiKeyScope(rawValue: scope.rawValue) else { throw DomainError.invalid(field: "scopes", "Unknown scope \(scope.rawValue)") }
        self = value
    }
}

extension Components.Schemas.ApiKey {
    init(_ key: ApiKey) throws {
        guard let id = key.id else { throw DomainError.notFound("API key") }
        let scopes = try key.scopes.map(Components.Schemas.ApiKeyScope.init)
        self.init(
            id: id,
            name: key.name,
            scopes: scopes,
            actsFor: .init(users: key.actsForUsers, groups: key.actsForGroups),
            expiresAt: key.expiresAt,
            allowedAddresses: key.allowedAddresses,
            allowedOrigins: key.allowedOrigins,
            createdAt: key.createdAt,
            lastUsedAt: key.lastUsedAt,
            revokedAt: key.revokedAt,
            prefix: key.prefix
        )
    }
}

extension Components.Schemas.ApiKeyScope {
    init(_ scope: ApiKeyScope) throws {
        guard let value = Self(rawValue: scope.rawValue) else {
            throw DomainError(.unavailable, code: "internal", "Scope \(scope.rawValue) is not in the contract")
        }
        self = value
    }
}

extension Components.Schemas.ApiKeySecret {
    init(_ created: ApiKeyWithSecret) throws {
        self.init(key: try .init(created.key), secret: created.secret)
    }
}

extension TWSAPI {
    /// `GET /api/v1/telephony/presence`: what the caller (or the user an API key names) sees; or, for an API key
    /// with presence:read, `users=` (comma-separated, each one the key acts for): those users' own devices and status.
    func presenceOverview(onBehalfOf: String?, users: String?) async throws -> ([DevicePresencePayload], [UserPresencePayload]) {
        guard let users else {
            let user = try await actingUser(onBehalfOf, .presenceRead)
            return (try await presence.devicePresence(user), try await presence.userPresences(user))
        }
        guard case .apiKey = Caller.current else {
            _ = try Caller.current.user()
            throw DomainError.forbidden("users= is for API keys; a user's token reads its own view")
        }
        guard onBehalfOf == nil else { throw DomainError.invalid(field: "users", "Send onBehalfOf or users, not both") }
        let names = users.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty, names.count <= 100 else { throw DomainError.invalid(field: "users", "users names 1 to 100 users") }
        var devices: [DevicePresencePayload] = []
        var statuses: [UserPresencePayload] = []
        var seen: Set<Int64> = []
        for name in names {
            let user = try await actingUser(name, .presenceRead)
            guard seen.insert(user.userId).inserted else { continue }
            devices += try await presence.lines(user).map { DevicePresencePayload(device: $0.number, presence: $0.presence) }
            statuses += try await presence.userPresences(user).filter { $0.userId == user.userId }
        }
        return (devices, statuses)
    }
}

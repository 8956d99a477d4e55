import Domain

extension Caller {
    /// The user an operation acts for (issue 19): a user's own token is that user (`onBehalfOf`, when sent, must name
    /// the user themself: 403 otherwise); an API key needs `scope` and names, in `onBehalfOf`, a user it acts for
    /// (400 without it, 404 for a user it may not act for). Anyone else answers as `user()` does (401).
    public func user(onBehalfOf: String?, needing scope: ApiKeyScope, keys: ApiKeyService) async throws -> UserPrincipal {
        switch self {
        case .apiKey(let key): return try await keys.actingUser(key, onBehalfOf: onBehalfOf, needing: scope)
        default: return try await keys.ownUser(try user(), onBehalfOf: onBehalfOf)
        }
    }
}

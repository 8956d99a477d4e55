import Domain

/// Who is making the request, resolved once from its credentials before any handler runs (DESIGN: Auth), for REST and
/// SOAP alike. Handlers read `Caller.current` and ask for the principal they need; none of them checks a token.
public enum Caller: Sendable {
    /// No credentials were sent.
    case anonymous
    case user(UserPrincipal)
    case admin(AdminPrincipal)
    /// A company's API key (a CRM or portal); it acts for users only through `onBehalfOf`.
    case apiKey(ApiKeyPrincipal)
    /// Credentials were sent but open no live session: the error every operation that needs a caller answers, exactly
    /// as checking the token there would have (operations open to anyone, such as sign-in, go on regardless).
    case refused(any Error)

    /// The caller of the request being handled; set by the caller middleware for the duration of each request.
    @TaskLocal public static var current: Caller = .anonymous

    /// The signed-in user; 401 for anyone else (an administrator's token is not a user's).
    public func user() throws -> UserPrincipal {
        switch self {
        case .user(let principal): return principal
        case .refused(let error): throw error
        case .anonymous, .admin, .apiKey: throw DomainError.unauthenticated
        }
    }

    /// The signed-in administrator; 401 for anyone else (a user's token is not an administrator's).
    public func admin() throws -> AdminPrincipal {
        switch self {
        case .admin(let principal): return principal
        case .refused(let error): throw error
        case .anonymous, .user, .apiKey: throw DomainError.unauthenticated
        }
    }

    /// The API key making the request; 401 for anyone else.
    public func apiKey() throws -> ApiKeyPrincipal {
        switch self {
        case .apiKey(let principal): return principal
        case .refused(let error): throw error
        case .anonymous, .user, .admin: throw DomainError.unauthenticated
        }
    }
}

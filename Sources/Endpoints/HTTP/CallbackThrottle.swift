import Auth
import Domain
import Foundation

/// The limits of the public callback endpoint (issue 20) beyond the per-key rate every API key has (`ApiKeyGate`):
/// per client address, and per visitor number, so one page cannot make a stranger's phone ring over and over.
public struct CallbackThrottle: Sendable {
    public struct Limits: Sendable {
        public var perAddress: LoginRateLimiter.Limits
        public var perNumber: LoginRateLimiter.Limits

        /// 10 requests a minute from one address (a burst of 10); 3 for one number, then one every 20 minutes.
        public init(
            perAddress: LoginRateLimiter.Limits = .init(burst: 10, perSecond: 10.0 / 60),
            perNumber: LoginRateLimiter.Limits = .init(burst: 3, perSecond: 1.0 / 1200)
        ) {
            self.perAddress = perAddress
            self.perNumber = perNumber
        }
    }

    let addresses: LoginRateLimiter
    let numbers: LoginRateLimiter

    public init(limits: Limits = Limits()) {
        addresses = LoginRateLimiter(limits: limits.perAddress)
        numbers = LoginRateLimiter(limits: limits.perNumber)
    }

    /// The portal key of the request being handled, once its client address is within its limit: 401 without a key
    /// (a user's token is not one), 429 `rate_limited` past the key's or the address's limit. REST and SOAP alike.
    func admitPortalKey() async throws -> ApiKeyPrincipal {
        let key: ApiKeyPrincipal
        switch Caller.current {
        case .apiKey(let principal): key = principal
        // A key past its own rate, or one that opens nothing: the gate's answer.
        case .refused(let error): throw error
        case .anonymous, .user, .admin: throw DomainError(.unauthorized, code: "unauthenticated", "A portal key (X-API-Key) is required")
        }
        if let retryAfter = await addresses.check(RequestFacts.current.clientAddress ?? "unknown") {
            var error = DomainError(.tooManyRequests, code: "rate_limited", "Too many callback requests from this address; retry in \(retryAfter) s")
            error.retryAfter = retryAfter
            throw error
        }
        return key
    }
}

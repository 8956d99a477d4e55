import Auth
import CoreMetrics
import Domain
import Foundation

/// How requests carrying an API key are let in (issue 19): the key's check (one indexed read, so a revocation,
/// expiry or deletion applies at the very next request), a token bucket per key, and the metrics of both.
public struct ApiKeyGate: Sendable {
    let keys: ApiKeyService
    let limiter: LoginRateLimiter
    let counters: ApiKeyCounters?

    public init(keys: ApiKeyService, limits: LoginRateLimiter.Limits, counters: ApiKeyCounters?) {
        self.keys = keys
        self.limiter = LoginRateLimiter(limits: limits)
        self.counters = counters
    }

    /// The caller for `secret` from `clientAddress`: the key, or exactly what an unknown session token gets (401
    /// `unauthenticated`), whatever the reason; 429 `rate_limited` past the key's rate. Either refusal is answered by the
    /// operations that need a caller; those open to anyone go on as for a request without credentials.
    func caller(secret: String, clientAddress: String?) async throws -> Caller {
        let check: ApiKeyService.Outcome
        do {
            check = try await keys.authenticate(secret: secret, clientAddress: clientAddress)
        } catch {
            return .refused(error)
        }
        switch check {
        case .refused(let reason):
            counters?.refused(reason.rawValue)
            return .refused(DomainError.unauthenticated)
        case .accepted(let principal):
            counters?.used(keyId: principal.keyId)
            if let retryAfter = await limiter.check("key \(principal.keyId)") {
                counters?.refused("rate")
                var error = DomainError(.tooManyRequests, code: "rate_limited", "Too many requests with this API key; retry in \(retryAfter) s")
                error.retryAfter = retryAfter
                // Refused rather than thrown: every operation that needs the key answers this 429, but through the
                // CORS middleware, so a portal's page can read it (the widget shows its message, not a network error).
                return .refused(error)
            }
            return .apiKey(principal)
        }
    }
}

/// `tws_api_key_requests_total{key="<id>"}` (every accepted use) and `tws_api_key_refusals_total{reason=…}`.
public struct ApiKeyCounters: Sendable {
    let factory: any MetricsFactory

    public init(factory: any MetricsFactory) { self.factory = factory }

    func used(keyId: Int64) {
        Counter(label: "tws_api_key_requests_total", dimensions: [("key", String(keyId))], factory: factory).increment()
    }

    func refused(_ reason: String) {
        Counter(label: "tws_api_key_refusals_total", dimensions: [("reason", reason)], factory: factory).increment()
    }
}

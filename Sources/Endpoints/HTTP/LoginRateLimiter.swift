import Auth
import Foundation
import Hummingbird

/// A token bucket per client address for the unauthenticated endpoints (logins, SOAP).
/// Buckets of quiet clients are dropped, so memory stays bounded by recent clients.
public actor LoginRateLimiter {
    public struct Limits: Sendable {
        /// Requests a client may send at once.
        public var burst: Double
        /// Requests per second added back.
        public var perSecond: Double
        public init(burst: Double = 20, perSecond: Double = 1) {
            self.burst = burst
            self.perSecond = perSecond
        }
    }

    private struct Bucket {
        var tokens: Double
        var updated: TimeInterval
    }

    private let limits: Limits
    private var buckets: [String: Bucket] = [:]
    private let maxClients = 100_000

    public init(limits: Limits) { self.limits = limits }

    /// Nil when the client may proceed (one token is spent); otherwise the whole seconds until it may retry.
    public func check(_ client: String, now: TimeInterval = ProcessInfo.processInfo.systemUptime) -> Int? {
        var bucket = buckets[client] ?? Bucket(tokens: limits.burst, updated: now)
        bucket.tokens = min(limits.burst, bucket.tokens + (now - bucket.updated) * limits.perSecond)
        bucket.updated = now
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        if buckets.count >= maxClients { buckets = buckets.filter { now - $0.value.updated < limits.burst / max(limits.perSecond, 0.001) } }
        buckets[client] = bucket
        return allowed ? nil : max(1, Int(((1 - bucket.tokens) / limits.perSecond).rounded(.up)))
    }
}

/// Thrown when a client exceeds the login rate; rendered as 429 problem+json, or a SOAP fault on /soap.
struct RateLimited: Error {
    let retryAfter: Int
}

/// Applies the limiter to login routes, Windows sign-in and the SOAP endpoint (which carries Login).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = TWSRequestContext
    let limiter: LoginRateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let limited = (request.method == .post && (path.hasSuffix("/auth/login") || path == "/soap")) || path == "/api/v1/auth/negotiate"
        // A request with an API key has its own rate per key (ApiKeyGate), not the per-address login limit.
        if case .apiKey = Caller.current { return try await next(request, context) }
        guard limited else { return try await next(request, context) }
        if let retryAfter = await limiter.check(context.remoteAddress?.ipAddress ?? "unknown") { throw RateLimited(retryAfter: retryAfter) }
        return try await next(request, context)
    }
}

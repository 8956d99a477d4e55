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

    /// True when the client may proceed; spends one token.
    public func allow(_ client: String, now: TimeInterval = ProcessInfo.processInfo.systemUptime) -> Bool {
        var bucket = buckets[client] ?? Bucket(tokens: limits.burst, updated: now)
        bucket.tokens = min(limits.burst, bucket.tokens + (now - bucket.updated) * limits.perSecond)
        bucket.updated = now
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        if buckets.count >= maxClients { buckets = buckets.filter { now - $0.value.updated < limits.burst / max(limits.perSecond, 0.001) } }
        buckets[client] = bucket
        return allowed
    }
}

/// Applies the limiter to login routes and the SOAP endpoint (which carries Login); 429 with problem+json beyond it.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = TWSRequestContext
    let limiter: LoginRateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard request.method == .post, path.hasSuffix("/auth/login") || path == "/soap" else { return try await next(request, context) }
        let client = context.remoteAddress?.ipAddress ?? "unknown"
        guard await limiter.allow(client) else {
            var response = Problem(status: .tooManyRequests, code: "rate_limited", detail: "Too many login attempts; retry later").response
            response.headers[.retryAfter] = "5"
            return response
        }
        return try await next(request, context)
    }
}

import NIOCore
import Prometheus
import Synchronization

/// `GET /metrics`: the server's metrics for Prometheus, written by swift-prometheus from one registry.
///
/// Who may read them: with a configured token (`TWS_METRICS_TOKEN`), a scraper sending it as a bearer token, from
/// anywhere; without one, only clients on the loopback interface. The figures carry no names, numbers or other
/// tenant data, only counts and link/domain ids.
public final class MetricsEndpoint: Sendable {
    public let token: String?
    /// Answers of port 8000 by status class, counted into the same registry.
    public let requests: HTTPRequestCounters
    /// Uses and refusals of API keys (issue 19), counted into the same registry.
    public let apiKeys: ApiKeyCounters
    private let registry: PrometheusCollectorRegistry
    private let refresh: @Sendable () -> Void
    /// One scrape at a time: `refresh` sets counters to the totals it reads, which another scrape must not see half done.
    private let scrapes = Mutex(())

    /// Serves `registry`; `refresh` sets the figures read at scrape time into it, just before each exposition.
    public init(token: String?, registry: PrometheusCollectorRegistry, refresh: @escaping @Sendable () -> Void = {}) {
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.registry = registry
        self.requests = HTTPRequestCounters(factory: PrometheusMetricsFactory(registry: registry))
        self.apiKeys = ApiKeyCounters(factory: PrometheusMetricsFactory(registry: registry))
        self.refresh = refresh
    }

    /// The text Prometheus scrapes (text format 0.0.4): figures read now, then every metric of the registry.
    func exposition() -> String {
        scrapes.withLock { _ in
            refresh()
            return registry.emitToString()
        }
    }

    /// Whether a request with these headers, from this peer, may read the metrics.
    func allows(authorization: String?, peer: SocketAddress?) -> Bool {
        if let token {
            guard let authorization, authorization.hasPrefix("Bearer ") else { return false }
            return Self.constantTimeEqual(Array(authorization.dropFirst(7).utf8), Array(token.utf8))
        }
        guard let peer else { return false }
        switch peer {
        case .v4(let address): return address.address.sin_addr.s_addr.bigEndian >> 24 == 127
        case .v6: return peer.ipAddress == "::1" || peer.ipAddress?.hasPrefix("::ffff:127.") == true
        case .unixDomainSocket: return true
        }
    }

    private static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}

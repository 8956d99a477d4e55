import CoreMetrics

/// Answers on port 8000 by status class: the swift-metrics counters of `tws_http_requests_total{class="1xx"…"5xx"}`.
public struct HTTPRequestCounters: Sendable {
    /// One counter per class, 1xx first; all five exist from the start, so a class never seen reads 0.
    private let classes: [Counter]

    public init(factory: any MetricsFactory) {
        classes = (1...5).map { Counter(label: "tws_http_requests_total", dimensions: [("class", "\($0)xx")], factory: factory) }
    }

    func count(status: Int) {
        classes[min(max(status / 100, 1), 5) - 1].increment()
    }
}

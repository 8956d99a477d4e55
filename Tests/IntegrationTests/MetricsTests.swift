import Endpoints
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Storage
import Testing

@testable import Server

/// `GET /metrics`: what an operator's Prometheus scrapes, and who may read it.
@Suite("Prometheus metrics")
struct MetricsTests {
    /// The value of the sample `name{labels}` (or `name` alone) in an exposition, nil when absent.
    static func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), line[..<space] == series else { continue }
            return Double(line[line.index(after: space)...])
        }
        return nil
    }

    @Test("Link and push counters follow the PBX: every event the simulator sent is counted as received")
    func telephonyCounters() async throws {
        try await TelephonyWorld.run { w in
            let series = "{link=\"\(w.linkId)\",domain=\"\(w.domainId)\"}"
            let scrape = { @Sendable () async throws -> String in
                try await w.client.must(.get, "/metrics", token: TelephonyWorld.metricsToken).text
            }
            let before = try await scrape()
            #expect(Self.sample(before, "tws_pbx_link_up\(series)") == 1)
            #expect(Self.sample(before, "tws_pbx_link_monitored_devices\(series)") == 4)
            #expect(Self.sample(before, "tws_pbx_link_capacity_devices\(series)") == 100)
            #expect((Self.sample(before, "process_resident_memory_bytes") ?? 0) > 1_000_000)
            #expect(before.contains("# TYPE tws_pbx_link_events_received_total counter\n"))

            try await w.client.must(.post, "/api/v1/calls", token: w.token("alice"), json: #"{"number":"1002"}"#, answer: .created)
            try await w.waitCall("bob", state: "alerting")
            _ = try await w.simulator.answer(device: "1002")
            try await w.waitCall("alice", state: "connected")
            try await w.simulator.hangUp(device: "1001")
            try await w.waitPresence("bob", "idle")
            let sent = await w.simulator.counters().eventsSent
            try await eventually("link counter reaches the simulator's \(sent) events") {
                Self.sample((try? await scrape()) ?? "", "tws_pbx_link_events_received_total\(series)") == Double(sent)
            }
            let after = try await scrape()
            #expect((Self.sample(after, "tws_push_events_published_total") ?? 0) > (Self.sample(before, "tws_push_events_published_total") ?? 0))
            #expect(
                (Self.sample(after, "tws_http_requests_total{class=\"2xx\"}") ?? 0)
                    > (Self.sample(before, "tws_http_requests_total{class=\"2xx\"}") ?? 0)
            )
            #expect(Self.sample(after, "tws_pbx_link_reconnects_total\(series)") == 0)
            // Counters are set to their sources' totals at each scrape: scrapes at the same time do not add up.
            let received = try await withThrowingTaskGroup(of: Double?.self) { group in
                for _ in 0..<6 { group.addTask { Self.sample(try await scrape(), "tws_pbx_link_events_received_total\(series)") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(received == Array(repeating: Double(sent), count: 6))
            // The ended call's line is written by the call-log writer, after the call.
            let linesBefore = Self.sample(before, "tws_call_log_lines_written_total") ?? 0
            try await eventually("the call's log lines are counted") {
                (Self.sample((try? await scrape()) ?? "", "tws_call_log_lines_written_total") ?? 0) > linesBefore
            }
            #expect(Self.sample(try await scrape(), "tws_call_log_write_failures_total") == 0)
        }
    }

    @Test("With a metrics token, a scrape without it or with another one is refused")
    func tokenRequired() async throws {
        try await TelephonyWorld.run { w in
            expectProblem(try await w.client.get("/metrics", token: nil), .unauthorized, "unauthorized")
            expectProblem(try await w.client.get("/metrics", token: "scrape-secret-0123456780"), .unauthorized, "unauthorized")
            // A user's session token is not the metrics token either.
            expectProblem(try await w.client.get("/metrics", token: w.token("alice")), .unauthorized, "unauthorized")
        }
    }

    @Test("Without a token, metrics are served to loopback clients over real TCP")
    func loopbackWithoutToken() async throws {
        try await TWSTestApp.run(.live) { client in
            let response = try await client.get("/metrics", token: nil)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            #expect((Self.sample(response.text, "process_open_fds") ?? 0) > 0)
            #expect(Self.sample(response.text, "tws_pbx_link_up") == nil)
        }
    }

    @Test("Without a token and without a known loopback peer, metrics are refused")
    func refusedWithoutPeer() async throws {
        // The router test client has no socket, so no peer address: treated like a remote client.
        try await TWSTestApp.run(.router) { client in
            expectProblem(try await client.get("/metrics", token: nil), .forbidden, "forbidden")
        }
    }

    @Test("Mails are counted by outcome: a failed attempt while the SMTP server is down, then the mail sent once it is back")
    func mailCounters() async throws {
        let probe = try SMTPSink()
        let port = probe.port
        probe.stop()
        try await TelephonyWorld.run(
            app: { configuration in
                configuration.mailBackoffSeconds = 0.2
                configuration.mailBackoffCapSeconds = 0.5
                // An exchange begun just as the sink starts has been seen to hang on a loaded machine (the documented
                // limit of one exchange at a time): cut it after 3 s rather than the default 30, and try again. With every
                // suite running at once on two cores, the retry that succeeds has been seen to come after 30 s.
                configuration.mailTimeoutSeconds = 3
            },
            setUp: MissedCallMailTests.setUp(smtpPort: port)
        ) { w in
            let scrape = { @Sendable (outcome: String) async throws -> Double? in
                Self.sample(
                    try await w.client.must(.get, "/metrics", token: TelephonyWorld.metricsToken).text,
                    "tws_mail_deliveries_total{outcome=\"\(outcome)\"}"
                )
            }
            #expect(try await scrape("sent") == 0)
            try await MissedCallMailTests.missACall(w)
            try await eventually("a failed attempt is counted") { ((try? await scrape("failed_attempt")) ?? 0) >= 1 }
            let sink = try SMTPSink(MissedCallMailTests.sinkAccount, port: port)
            defer { sink.stop() }
            try await eventually("the mail is counted as sent", timeout: .seconds(60)) { (try? await scrape("sent")) == 1 }
            let text = try await w.client.must(.get, "/metrics", token: TelephonyWorld.metricsToken).text
            #expect(Self.sample(text, "tws_mail_deliveries_total{outcome=\"dead\"}") == 0)
            #expect(text.contains("# TYPE tws_mail_deliveries_total counter\n") && text.contains("# TYPE tws_mail_outbox_depth gauge\n"))
            #expect(Self.sample(text, "tws_mail_outbox_depth") != nil)
            #expect(!text.contains(MissedCallMailTests.smtpPassword))
        }
    }

    /// Every metric the README documents, with its type: the contract with operators' dashboards and alerts.
    static let documented: [(name: String, type: String)] = [
        ("process_resident_memory_bytes", "gauge"),
        ("tws_process_peak_resident_memory_bytes", "gauge"),
        ("process_cpu_seconds_total", "counter"),
        ("process_start_time_seconds", "gauge"),
        ("process_open_fds", "gauge"),
        ("tws_http_requests_total", "counter"),
        ("tws_pbx_link_up", "gauge"),
        ("tws_pbx_link_monitored_devices", "gauge"),
        ("tws_pbx_link_wanted_devices", "gauge"),
        ("tws_pbx_link_capacity_devices", "gauge"),
        ("tws_pbx_link_events_received_total", "counter"),
        ("tws_pbx_link_reconnects_total", "counter"),
        ("tws_push_events_published_total", "counter"),
        ("tws_push_events_delivered_total", "counter"),
        ("tws_push_slow_consumers_total", "counter"),
        ("tws_push_subscriptions", "gauge"),
        ("tws_push_waiting_polls", "gauge"),
        ("tws_push_connections", "gauge"),
        ("tws_call_log_lines_written_total", "counter"),
        ("tws_call_log_write_failures_total", "counter"),
    ]

    @Test("Every documented metric is exposed with its type, and every status class from the first scrape")
    func documentedMetrics() async throws {
        try await TelephonyWorld.run { w in
            let text = try await w.client.must(.get, "/metrics", token: TelephonyWorld.metricsToken).text
            for (name, type) in Self.documented {
                #expect(text.contains("# TYPE \(name) \(type)\n"), "\(name) is not exposed as a \(type)")
            }
            for statusClass in ["1xx", "2xx", "3xx", "4xx", "5xx"] {
                #expect(Self.sample(text, "tws_http_requests_total{class=\"\(statusClass)\"}") != nil)
            }
        }
    }
}

import Domain
import Endpoints
import Foundation
import Storage
import Telephony

/// What `GET /metrics` reports for one server process: the process, port 8000's answers, the PBX links and the
/// push channel. Read on each scrape from counters the components keep anyway; nothing is sampled in between.
struct ServerMetrics: Sendable {
    let requests: HTTPRequestCounters
    let links: PbxLinks
    let bus: EventBus
    let push: PushTransport
    let callLogs: CallLogWriter

    func collect() -> [MetricFamily] {
        var families = Self.process()
        families.append(
            MetricFamily(
                "tws_http_requests_total",
                .counter,
                help: "Answers of the REST and SOAP port, by status class.",
                samples: requests.byClass.map { .init(Double($0.1), labels: [.init("class", $0.0)]) }
            )
        )
        do {
            families += Self.links(links.links.map(\.status), capacities: links.linkStates())
            let bus = bus.metrics
            families += [
                MetricFamily(
                    "tws_push_events_published_total",
                    .counter,
                    help: "Events published on the event bus (all domains).",
                    value: Double(bus.published)
                ),
                MetricFamily(
                    "tws_push_events_delivered_total",
                    .counter,
                    help: "Event copies handed to WebSockets and long-polls, resync events included.",
                    value: Double(bus.delivered)
                ),
                MetricFamily(
                    "tws_push_slow_consumers_total",
                    .counter,
                    help: "WebSockets closed because they fell too far behind.",
                    value: Double(bus.droppedSubscribers)
                ),
                MetricFamily("tws_push_subscriptions", .gauge, help: "Open event subscriptions.", value: Double(bus.subscribers)),
                MetricFamily("tws_push_waiting_polls", .gauge, help: "Long-polls waiting for an event.", value: Double(bus.waitingPolls)),
            ]
        }
        families.append(
            MetricFamily("tws_push_connections", .gauge, help: "WebSockets and long-polls open on the push port.", value: Double(push.openConnections))
        )
        let lines = callLogs.counters
        families += [
            MetricFamily("tws_call_log_lines_written_total", .counter, help: "Call-log lines written.", value: Double(lines.written)),
            MetricFamily(
                "tws_call_log_write_failures_total",
                .counter,
                help: "Call-log lines lost because their write failed (each failure is also logged).",
                value: Double(lines.failed)
            ),
        ]
        return families
    }

    static func links(_ statuses: [CSTALinkStatus], capacities: [PbxLinkState]) -> [MetricFamily] {
        let capacity = Dictionary(capacities.map { ($0.linkId, $0.capacity) }, uniquingKeysWith: { first, _ in first })
        func samples(_ value: (CSTALinkStatus) -> Double) -> [MetricFamily.Sample] {
            statuses.map { .init(value($0), labels: [.init("link", String($0.linkId)), .init("domain", String($0.domainId))]) }
        }
        return [
            MetricFamily("tws_pbx_link_up", .gauge, help: "1 when the CSTA link is connected.", samples: samples { $0.connected ? 1 : 0 }),
            MetricFamily(
                "tws_pbx_link_monitored_devices",
                .gauge,
                help: "Devices monitored on the link.",
                samples: samples { Double($0.monitored.count) }
            ),
            MetricFamily("tws_pbx_link_wanted_devices", .gauge, help: "Devices assigned to the link.", samples: samples { Double($0.devices.count) }),
            MetricFamily(
                "tws_pbx_link_capacity_devices",
                .gauge,
                help: "Devices the link may monitor.",
                samples: samples { Double(capacity[$0.linkId] ?? 0) }
            ),
            MetricFamily(
                "tws_pbx_link_events_received_total",
                .counter,
                help: "CSTA events received on the link (one per monitor per event).",
                samples: samples { Double($0.eventsReceived) }
            ),
            MetricFamily("tws_pbx_link_reconnects_total", .counter, help: "Reconnections of the link.", samples: samples { Double($0.reconnects) }),
        ]
    }

    /// Resident memory, CPU time, open files and start time, from /proc/self (Linux).
    static func process() -> [MetricFamily] {
        var families: [MetricFamily] = []
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for (field, name, help) in [
                ("VmRSS:", "process_resident_memory_bytes", "Resident memory size in bytes."),
                ("VmHWM:", "tws_process_peak_resident_memory_bytes", "Peak resident memory size in bytes."),
            ] {
                if let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
                    let kilobytes = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Double($0) })
                {
                    families.append(MetricFamily(name, .gauge, help: help, value: kilobytes * 1024))
                }
            }
        }
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let afterName = stat.range(of: ")", options: .backwards)
        {
            // Fields after the command name start at field 3 (state): utime is field 14, stime 15, starttime 22.
            let fields = stat[afterName.upperBound...].split(separator: " ")
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            if fields.count > 19, let user = Double(fields[11]), let system = Double(fields[12]), ticks > 0 {
                families.append(
                    MetricFamily(
                        "process_cpu_seconds_total",
                        .counter,
                        help: "User and system CPU time spent in seconds.",
                        value: (user + system) / ticks
                    )
                )
                if let start = Double(fields[19]), let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
                    let up = uptime.split(separator: " ").first.flatMap({ Double($0) })
                {
                    let startTime = Date().timeIntervalSince1970 - up + start / ticks
                    families.append(
                        MetricFamily(
                            "process_start_time_seconds",
                            .gauge,
                            help: "Start time of the process since the Unix epoch in seconds.",
                            value: startTime.rounded()
                        )
                    )
                }
            }
        }
        if let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            families.append(MetricFamily("process_open_fds", .gauge, help: "Number of open file descriptors.", value: Double(descriptors.count)))
        }
        return families
    }
}

import Domain
import Endpoints
import Foundation
import Metrics
import Storage
import Synchronization
import Telephony

/// What `GET /metrics` reports beyond port 8000's answers: the process, the PBX links, the push channel, the
/// call-log writer and the webhook and mail outboxes. Read on each scrape (`refresh`) from counters the components
/// keep anyway and set into swift-metrics gauges and counters made by `factory` (the server's Prometheus registry);
/// nothing is sampled in between.
final class ServerMetrics: Sendable {
    private let factory: any MetricsFactory
    let links: PbxLinks
    let bus: EventBus
    let push: PushTransport
    let callLogs: CallLogWriter
    /// The `link` and `domain` labels of the link series set by the last scrape, to drop those of links since removed.
    private let linkSeries = Mutex<Set<[String]>>([])
    /// Webhook deliveries by outcome and the outbox depth (issue 19).
    let webhooks: WebhookDispatcher?
    let webhookOutbox: WebhookOutbox?
    /// Mails by outcome and the mail outbox depth (issue 20).
    let mails: MailDispatcher?

    init(
        factory: any MetricsFactory,
        links: PbxLinks,
        bus: EventBus,
        push: PushTransport,
        callLogs: CallLogWriter,
        webhooks: WebhookDispatcher? = nil,
        webhookOutbox: WebhookOutbox? = nil,
        mails: MailDispatcher? = nil
    ) {
        self.mails = mails
        self.webhooks = webhooks
        self.webhookOutbox = webhookOutbox
        self.factory = factory
        self.links = links
        self.bus = bus
        self.push = push
        self.callLogs = callLogs
    }

    /// Sets every figure read at scrape time. `MetricsEndpoint` runs one scrape at a time.
    func refresh() {
        refreshProcess()
        refreshLinks(links.links.map(\.status), capacities: links.linkStates())
        let bus = bus.metrics
        count("tws_push_events_published_total", to: bus.published)
        count("tws_push_events_delivered_total", to: bus.delivered)
        count("tws_push_slow_consumers_total", to: bus.droppedSubscribers)
        record("tws_push_subscriptions", bus.subscribers)
        record("tws_push_waiting_polls", bus.waitingPolls)
        record("tws_push_connections", push.openConnections)
        let lines = callLogs.counters
        count("tws_call_log_lines_written_total", to: lines.written)
        count("tws_call_log_write_failures_total", to: lines.failed)
        if let webhooks {
            let outcomes = webhooks.counters
            outbox(
                "tws_webhook",
                depth: webhooks.outboxDepth,
                [("delivered", outcomes.delivered), ("failed_attempt", outcomes.failed), ("dead", outcomes.dead)]
            )
        }
        if let webhookOutbox {
            let rows = webhookOutbox.counters
            count("tws_webhook_outbox_rows_written_total", to: rows.written)
            count("tws_webhook_outbox_write_failures_total", to: rows.failed)
        }
        if let mails {
            let outcomes = mails.counters
            outbox("tws_mail", depth: mails.outboxDepth, [("sent", outcomes.sent), ("failed_attempt", outcomes.failed), ("dead", outcomes.dead)])
        }
    }

    /// Each link's gauges and counters, labelled with its link and domain ids; the series of links gone are removed.
    private func refreshLinks(_ statuses: [CSTALinkStatus], capacities: [PbxLinkState]) {
        let capacity = Dictionary(capacities.map { ($0.linkId, $0.capacity) }, uniquingKeysWith: { first, _ in first })
        var current = Set<[String]>()
        for status in statuses {
            let labels = [String(status.linkId), String(status.domainId)]
            current.insert(labels)
            let series = [("link", labels[0]), ("domain", labels[1])]
            record("tws_pbx_link_up", status.connected ? 1 : 0, series)
            record("tws_pbx_link_monitored_devices", status.monitored.count, series)
            record("tws_pbx_link_wanted_devices", status.devices.count, series)
            record("tws_pbx_link_capacity_devices", capacity[status.linkId] ?? 0, series)
            count("tws_pbx_link_events_received_total", to: status.eventsReceived, series)
            count("tws_pbx_link_reconnects_total", to: status.reconnects, series)
        }
        let gone = linkSeries.withLock { previous in
            defer { previous = current }
            return previous.subtracting(current)
        }
        for labels in gone {
            let series = [("link", labels[0]), ("domain", labels[1])]
            for name in ["tws_pbx_link_up", "tws_pbx_link_monitored_devices", "tws_pbx_link_wanted_devices", "tws_pbx_link_capacity_devices"] {
                Gauge(label: name, dimensions: series, factory: factory).destroy()
            }
            for name in ["tws_pbx_link_events_received_total", "tws_pbx_link_reconnects_total"] {
                Counter(label: name, dimensions: series, factory: factory).destroy()
            }
        }
    }

    /// Resident memory, CPU time, open files and start time, from /proc/self (Linux); a figure that cannot be read is
    /// left out.
    private func refreshProcess() {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for (field, name) in [("VmRSS:", "process_resident_memory_bytes"), ("VmHWM:", "tws_process_peak_resident_memory_bytes")] {
                if let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
                    let kilobytes = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Double($0) })
                {
                    Gauge(label: name, factory: factory).record(kilobytes * 1024)
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
                let cpu = FloatingPointCounter(label: "process_cpu_seconds_total", dimensions: [], factory: factory)
                cpu.reset()
                cpu.increment(by: (user + system) / ticks)
                if let start = Double(fields[19]), let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
                    let up = uptime.split(separator: " ").first.flatMap({ Double($0) })
                {
                    let startTime = Date().timeIntervalSince1970 - up + start / ticks
                    Gauge(label: "process_start_time_seconds", factory: factory).record(startTime.rounded())
                }
            }
        }
        if let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            record("process_open_fds", descriptors.count)
        }
    }

    /// An outbox's `<prefix>_deliveries_total{outcome=…}` counters and its `<prefix>_outbox_depth` gauge.
    private func outbox(_ prefix: String, depth: Int, _ outcomes: [(String, UInt64)]) {
        for (outcome, total) in outcomes {
            count("\(prefix)_deliveries_total", to: total, [("outcome", outcome)])
        }
        record("\(prefix)_outbox_depth", depth)
    }

    private func record(_ name: String, _ value: some BinaryInteger, _ dimensions: [(String, String)] = []) {
        Gauge(label: name, dimensions: dimensions, factory: factory).record(value)
    }

    /// Sets a counter to a total its component keeps. A swift-metrics counter only goes up, so it is reset and raised
    /// by the total; no scrape sees it in between, since scrapes run one at a time.
    private func count(_ name: String, to total: some BinaryInteger, _ dimensions: [(String, String)] = []) {
        let counter = Counter(label: name, dimensions: dimensions, factory: factory)
        counter.reset()
        counter.increment(by: total)
    }
}

import Foundation
import Synchronization

/// Writes webhook deliveries into the outbox (issue 19), where events happen.
///
/// Call-log entries are stored in a transaction: their deliveries are written in that same transaction
/// (`callLogDeliveries`, called by the call-log writer inside it). Call, presence and directory-sync events are stored
/// nowhere else: for them the outbox row IS the record. The outbox stands in front of the event bus as the publisher
/// the PBX event path, presence and synchronisations publish through; an event that a subscription wants is queued
/// here with the seq the bus gave it and written with whatever was queued meanwhile, one transaction per batch. The
/// outbox is also an observer of the PBX event path: `observe` makes the link wait only while more than
/// `uncommittedWindow` events' rows are not committed yet. A `kill -9` can lose the rows of the events of the last
/// moments (as it loses the bytes still in the socket); every committed row is delivered after the restart, and a
/// graceful stop writes everything queued. (Presence set through the API is queued the same way.)
///
/// Matching uses a table of the active subscriptions, rebuilt when subscriptions or the configuration (users, groups,
/// devices) change; an event no subscription of its company wants costs one lock and nothing else.
public final class WebhookOutbox: Sendable {
    /// An event waiting to be matched and written.
    struct Item: Sendable {
        var domainId: Int64
        var kind: WebhookEventKind
        var subject: WebhookSubject
        var seq: UInt64?
        var time: Date
        /// The event's `data`, as JSON.
        var data: String
    }

    /// The active subscriptions by company, and the company of each of their domains.
    struct RouteTable: Sendable {
        var configurationVersion: UInt64
        var webhookVersion: UInt64
        var routes: [Int64: [WebhookRoute]]
        var companyOfDomain: [Int64: Int64]
    }

    private struct State {
        var pending: [Item] = []
        var enqueued: UInt64 = 0
        var committed: UInt64 = 0
        var waiters: [(target: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
        var stopped = false
    }

    let store: any WebhookStore
    let tenants: any TenantStore
    let bus: any PushPublisher
    let doorbell: Doorbell
    private let onFailure: @Sendable (_ error: any Error, _ events: Int) -> Void
    private let table = Mutex<RouteTable?>(nil)
    private let webhookVersion = Mutex<UInt64>(0)
    private let state = Mutex(State())
    private let publishing = Mutex(())
    private let counts = Mutex<(written: UInt64, failed: UInt64)>((0, 0))
    private let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    /// - Parameters:
    ///   - bus: where events go on to their push subscribers (the outbox only adds the webhook rows).
    ///   - onFailure: told of outbox writes that failed (the server logs them; counted in `counters`).
    public init(
        store: any WebhookStore,
        tenants: any TenantStore,
        bus: any PushPublisher,
        doorbell: Doorbell,
        onFailure: @escaping @Sendable (_ error: any Error, _ events: Int) -> Void = { _, _ in }
    ) {
        self.store = store
        self.tenants = tenants
        self.bus = bus
        self.doorbell = doorbell
        self.onFailure = onFailure
        (signals, signal) = AsyncStream.makeStream(of: Void.self)
    }

    /// Deliveries written, and events whose deliveries could not be written, since start.
    public var counters: (written: UInt64, failed: UInt64) { counts.withLock { $0 } }

    /// Subscriptions changed: the next event rebuilds the table.
    public func subscriptionsChanged() {
        webhookVersion.withLock { $0 += 1 }
    }

    // MARK: Queueing events

    /// Queues the webhook rows of an event the bus published with `seq` (`publish` below).
    func consider(_ event: PushEvent, audience: PushAudience, domainId: Int64) {
        // Secretaries get a renamed copy of a boss's call event: the same event, already considered.
        if case .secretaries = audience { return }
        // The kind first: encoding every call event for a company without webhooks was 8% of the server's CPU at
        // 100 calls/s.
        guard let kind = Self.kind(of: event), wanted(kind, domainId: domainId), let described = Self.describe(event) else { return }
        let (_, subject, data) = described
        enqueue(Item(domainId: domainId, kind: kind, subject: subject, seq: event.seq, time: event.time, data: data))
    }

    /// The webhook kind of a push event (what `describe` would say, without encoding anything); nil for events webhooks
    /// do not carry.
    static func kind(of event: PushEvent) -> WebhookEventKind? {
        switch event.type {
        case .call: .call
        case .userPresence, .devicePresence: .presence
        case .directorySync: .directorySync
        case .callback: .callback
        default: nil
        }
    }

    /// The webhook kind of a push event, what it is about, and its `data`; nil for events webhooks do not carry.
    static func describe(_ event: PushEvent) -> (WebhookEventKind, WebhookSubject, String)? {
        switch event.type {
        case .call:
            guard let call = event.call, let data = json(call) else { return nil }
            return (.call, .device(call.device, userId: nil), data)
        case .userPresence:
            guard let presence = event.userPresence, let data = json(WebhookPresenceData(user: presence)) else { return nil }
            return (.presence, .user(presence.userId), data)
        case .devicePresence:
            guard let presence = event.devicePresence, let data = json(WebhookPresenceData(device: presence)) else { return nil }
            return (.presence, .device(presence.device, userId: nil), data)
        case .directorySync:
            guard let sync = event.directorySync, sync.state != .running, let data = json(sync) else { return nil }
            return (.directorySync, .nothing, data)
        case .callback:
            guard let callback = event.callback, let data = json(callback) else { return nil }
            return (.callback, .nothing, data)
        default:
            return nil
        }
    }

    /// False only when a current table says no subscription of the domain's company takes `kind`.
    private func wanted(_ kind: WebhookEventKind, domainId: Int64) -> Bool {
        let versions = (tenants.configurationVersion, webhookVersion.withLock { $0 })
        return table.withLock { table in
            guard let table, table.configurationVersion == versions.0, table.webhookVersion == versions.1 else { return true }
            guard let companyId = table.companyOfDomain[domainId] else { return false }
            return table.routes[companyId]?.contains { $0.kinds.contains(kind) } ?? false
        }
    }

    private func enqueue(_ item: Item) {
        let accepted = state.withLock { state in
            guard !state.stopped else { return false }
            state.pending.append(item)
            state.enqueued += 1
            return true
        }
        guard accepted else {
            counts.withLock { $0.failed += 1 }
            onFailure(WebhookOutboxStopped(), 1)
            return
        }
        signal.yield()
    }

    /// Waits until the rows of every event queued so far, but the last `window` ones, are committed (or could not be).
    public func flush(leaving window: UInt64 = 0) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                if state.committed + window >= state.enqueued || state.stopped { return true }
                state.waiters.append((state.enqueued - window, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// How many events' rows may wait for their commit before the PBX event path waits for them: the rows are written
    /// a batch per transaction while the link reads on (a transaction per event held each PBX event for a commit, which
    /// capped a link at a few hundred events a second), and the backlog stays bounded.
    public static let uncommittedWindow: UInt64 = 1_000

    // MARK: Writing

    /// Writes queued events' deliveries, a batch per transaction, until `finish()`; then what was queued before it.
    public func run() async {
        for await _ in signals {
            await writeBatch()
        }
        await writeBatch()
        let waiters = state.withLock { state in
            state.stopped = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume() }
    }

    /// Stops taking events; `run()` returns once the queued ones are written.
    public func finish() {
        signal.finish()
    }

    private func writeBatch() async {
        let batch = state.withLock { state in
            defer { state.pending = [] }
            return state.pending
        }
        if !batch.isEmpty {
            await refresh()
            let table = table.withLock { $0 }
            let rows = batch.flatMap { item in deliveries(item, table) }
            if !rows.isEmpty {
                do {
                    _ = try await store.insertWebhookDeliveries(rows)
                    counts.withLock { $0.written += UInt64(rows.count) }
                    doorbell.ring()
                } catch {
                    counts.withLock { $0.failed += UInt64(batch.count) }
                    onFailure(error, batch.count)
                }
            }
        }
        let ready = state.withLock { state in
            state.committed += UInt64(batch.count)
            let committed = state.committed
            let ready = state.waiters.filter { $0.target <= committed }
            state.waiters.removeAll { $0.target <= committed }
            return ready
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// The outbox rows of one event: one per matching subscription of the domain's company.
    private func deliveries(_ item: Item, _ table: RouteTable?) -> [WebhookDelivery] {
        guard let table, let companyId = table.companyOfDomain[item.domainId] else { return [] }
        let routes = (table.routes[companyId] ?? []).filter { $0.matches(item.kind, item.subject) }
        guard !routes.isEmpty else { return [] }
        let eventId = UUID().uuidString.lowercased()
        let body = Self.body(
            eventId: eventId,
            kind: item.kind,
            seq: item.seq,
            time: item.time,
            companyId: companyId,
            domainId: item.domainId,
            data: item.data
        )
        return routes.map { route in
            WebhookDelivery(
                webhookId: route.webhookId,
                companyId: companyId,
                domainId: item.domainId,
                eventId: eventId,
                kind: item.kind,
                seq: item.seq,
                body: body,
                createdAt: item.time
            )
        }
    }

    /// The deliveries of call-log entries just inserted, for the call-log writer to write in the same transaction.
    /// Uses the table as `prepare()` left it.
    public func callLogDeliveries(_ entries: [CallLogEntry], domainId: Int64, time: Date) -> [WebhookDelivery] {
        let table = table.withLock { $0 }
        return entries.flatMap { entry -> [WebhookDelivery] in
            guard let data = Self.json(entry) else { return [] }
            let item = Item(
                domainId: domainId,
                kind: .callLog,
                subject: .device(entry.device, userId: entry.userId),
                seq: nil,
                time: time,
                data: data
            )
            return deliveries(item, table)
        }
    }

    /// Rebuilds the table if subscriptions or the configuration changed since it was built (before a call-log write).
    public func prepare() async {
        await refresh()
    }

    /// The call-log writer committed deliveries.
    public func callLogDeliveriesCommitted(_ count: Int) {
        guard count > 0 else { return }
        counts.withLock { $0.written += UInt64(count) }
        doorbell.ring()
    }

    private func refresh() async {
        let configurationVersion = tenants.configurationVersion
        let webhookVersion = webhookVersion.withLock { $0 }
        let current = table.withLock { table in
            table.map { $0.configurationVersion == configurationVersion && $0.webhookVersion == webhookVersion } ?? false
        }
        if current { return }
        do {
            let webhooks = try await store.activeWebhooks()
            let built = try await tenants.read { tx in
                var routes: [Int64: [WebhookRoute]] = [:]
                for webhook in webhooks {
                    let members = try tx.memberIds(ofGroups: webhook.filters.groups)
                    let users = Array(Set(webhook.filters.users).union(members))
                    let devices = users.isEmpty ? [] : try tx.devices(userIds: users).map(\.number)
                    routes[webhook.companyId, default: []].append(WebhookRoute(webhook, members: members, userDevices: devices))
                }
                var companyOfDomain: [Int64: Int64] = [:]
                for domain in try tx.domains(companyIds: Array(routes.keys), named: nil) {
                    if let id = domain.id { companyOfDomain[id] = domain.companyId }
                }
                return RouteTable(
                    configurationVersion: configurationVersion,
                    webhookVersion: webhookVersion,
                    routes: routes,
                    companyOfDomain: companyOfDomain
                )
            }
            table.withLock { $0 = built }
        } catch {
            onFailure(error, 0)
        }
    }

    // MARK: Bodies

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func json(_ value: some Encodable) -> String? {
        (try? encoder.encode(value)).flatMap { String(data: $0, encoding: .utf8) }
    }

    /// `{id, kind, seq, occurredAt, companyId, domainId, data}`: what a receiver gets, signed as it is.
    static func body(eventId: String, kind: WebhookEventKind, seq: UInt64?, time: Date, companyId: Int64, domainId: Int64?, data: String) -> String {
        let occurredAt = time.formatted(.iso8601)
        let seqText = seq.map(String.init) ?? "null"
        let domainText = domainId.map(String.init) ?? "null"
        return """
            {"id":"\(eventId)","kind":"\(kind.rawValue)","seq":\(seqText),"occurredAt":"\(occurredAt)","companyId":\(companyId),\
            "domainId":\(domainText),"data":\(data)}
            """
    }
}

/// The outbox stands in front of the bus: events are published as before, and those a subscription wants are queued.
extension WebhookOutbox: PushPublisher {
    @discardableResult
    public func publish(domainId: Int64, audience: PushAudience, event: PushEvent) -> UInt64 {
        // One publisher at a time, so that outbox rows follow the order of the seqs the bus gives.
        publishing.withLock { _ in
            let seq = bus.publish(domainId: domainId, audience: audience, event: event)
            var published = event
            published.seq = seq
            consider(published, audience: audience, domainId: domainId)
            return seq
        }
    }
}

/// On the PBX event path: the link reads on while the rows of at most `uncommittedWindow` events wait for their commit.
extension WebhookOutbox: CallEventObserver {
    public func observe(_ event: SwitchEvent?, _ output: CallModelOutput, domainId: Int64, time: Date) async {
        await flush(leaving: Self.uncommittedWindow)
    }
}

/// A presence change as webhooks carry it: a user's or a device's.
struct WebhookPresenceData: Encodable {
    var user: UserPresencePayload?
    var device: DevicePresencePayload?

    init(user: UserPresencePayload) { self.user = user }
    init(device: DevicePresencePayload) { self.device = device }
}

/// An event came after the outbox stopped (the server was shutting down).
public struct WebhookOutboxStopped: Error, CustomStringConvertible {
    public var description: String { "the webhook outbox has stopped" }
}

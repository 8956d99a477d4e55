import Foundation
import Synchronization

/// Sends the outbox's deliveries (issue 19): in order per subscription (one in flight per subscription, the next waits
/// until the previous is delivered or dead), in parallel across subscriptions. A delivery is marked delivered only
/// after a 2xx answer; a failure is retried with exponential backoff and jitter (`WebhookBackoff`) until its retry
/// window ends, then it is dead and the subscription moves on. Everything is in the database, so pending deliveries
/// are picked up again at start: a delivery whose answer was lost to a crash is sent again (at least once; receivers
/// deduplicate by the body's `id`).
///
/// `run()` is its loop (a Service of the server): it wakes on the outbox's doorbell, on a worker's end and on the
/// earliest retry due, and otherwise checks every `idleCheck` (a safety net, not the trigger).
public final class WebhookDispatcher: Sendable {
    /// Timings of deliveries.
    public struct Configuration: Sendable {
        public var backoff: WebhookBackoff
        /// Per attempt: the receiver must have answered by then.
        public var timeout: Duration
        /// Longest sleep without a ring.
        public var idleCheck: Duration
        /// Delivered and dead deliveries (with their attempts) are deleted this long after they were created.
        public var retention: TimeInterval
        /// How often the outbox depth is counted and old deliveries are deleted (not at every ring: under load the
        /// doorbell rings for every event).
        public var housekeeping: TimeInterval

        public init(
            backoff: WebhookBackoff = WebhookBackoff(),
            timeout: Duration = .seconds(10),
            idleCheck: Duration = .seconds(30),
            retention: TimeInterval = 14 * 86_400,
            housekeeping: TimeInterval = 1
        ) {
            self.backoff = backoff
            self.timeout = timeout
            self.idleCheck = idleCheck
            self.retention = retention
            self.housekeeping = housekeeping
        }
    }

    /// Outcomes since start, for /metrics.
    public struct Counters: Sendable, Equatable {
        public var delivered: UInt64 = 0
        /// Attempts that failed and will be retried.
        public var failed: UInt64 = 0
        public var dead: UInt64 = 0

        public init() {}
    }

    let store: any WebhookStore
    let sender: any WebhookSender
    let destination: WebhookDestination
    let doorbell: Doorbell
    public let configuration: Configuration
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double
    private let onError: @Sendable (any Error) -> Void
    private let busy = Mutex<Set<Int64>>([])
    private let stopping = Mutex(false)
    private let outcomes = Mutex(Counters())
    private let depth = Mutex(0)

    public init(
        store: any WebhookStore,
        sender: any WebhookSender,
        destination: WebhookDestination,
        doorbell: Doorbell,
        configuration: Configuration = Configuration(),
        now: @escaping @Sendable () -> Date = Date.init,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        onError: @escaping @Sendable (any Error) -> Void = { _ in }
    ) {
        self.store = store
        self.sender = sender
        self.destination = destination
        self.doorbell = doorbell
        self.configuration = configuration
        self.now = now
        self.random = random
        self.onError = onError
    }

    public var counters: Counters { outcomes.withLock { $0 } }

    /// Pending deliveries over all subscriptions, as of the loop's last pass (the outbox depth of /metrics).
    public var outboxDepth: Int { depth.withLock { $0 } }

    /// Delivers until `finish()`, then cancels the attempts under way (their deliveries stay pending) and returns.
    public func run() async {
        var lastHousekeeping = Date.distantPast
        var lastPruning = Date.distantPast
        await withDiscardingTaskGroup { group in
            while !stopping.withLock({ $0 }) && !Task.isCancelled {
                var nextDue: Date?
                do {
                    let heads = try await store.pendingWebhookHeads()
                    let time = now()
                    for head in heads {
                        let due = head.nextAttemptAt ?? head.createdAt
                        if due > time {
                            nextDue = min(nextDue ?? due, due)
                            continue
                        }
                        let webhookId = head.webhookId
                        let started = busy.withLock { busy in busy.insert(webhookId).inserted }
                        guard started else { continue }
                        group.addTask {
                            await self.deliverInOrder(webhookId: webhookId)
                            self.busy.withLock { _ = $0.remove(webhookId) }
                            self.doorbell.ring()
                        }
                    }
                    if time.timeIntervalSince(lastHousekeeping) >= configuration.housekeeping {
                        lastHousekeeping = time
                        let pending = try await store.pendingWebhookDeliveryCount()
                        depth.withLock { $0 = pending }
                    }
                    if time.timeIntervalSince(lastPruning) >= max(configuration.housekeeping, 60) {
                        lastPruning = time
                        try await prune(before: time.addingTimeInterval(-configuration.retention))
                    }
                } catch {
                    onError(error)
                }
                var sleep = configuration.idleCheck
                // A depth above zero is counted again soon, so /metrics does not show a drained outbox as busy.
                if depth.withLock({ $0 }) > 0 { sleep = min(sleep, .milliseconds(Int64(configuration.housekeeping * 1000) + 1)) }
                if let nextDue {
                    let seconds = max(0.001, nextDue.timeIntervalSince(now()))
                    sleep = min(sleep, .milliseconds(Int64(seconds * 1000) + 1))
                }
                await doorbell.wait(timeout: sleep)
            }
            // Attempts under way are abandoned, not recorded: their deliveries stay pending for the next start.
            group.cancelAll()
        }
    }

    /// Deletes finished deliveries created before `cutoff`, in short batches (each its own transaction).
    func prune(before cutoff: Date) async throws {
        while try await store.deleteFinishedWebhookDeliveries(createdBefore: cutoff, limit: 1000) == 1000 {
            if stopping.withLock({ $0 }) { return }
        }
    }

    /// Stops delivering; `run()` returns once the attempts under way are cancelled.
    public func finish() {
        stopping.withLock { $0 = true }
        doorbell.ring()
    }

    /// Sends the subscription's pending deliveries one after the other while they are due.
    ///
    /// They are read in batches (with the subscription and its destination check once per batch), and their outcomes
    /// are saved together, at most `saveEvery` deliveries or `saveWithin` apart, and always before a retry is
    /// scheduled or the batch ends: one write transaction per delivery was what 20 busy subscriptions queued behind the
    /// telephony's own writes. A crash between a delivery and its save sends it again (at least once, as documented).
    private func deliverInOrder(webhookId: Int64) async {
        var unsaved: [(delivery: WebhookDelivery, attempt: WebhookAttempt?)] = []
        var oldestUnsaved = ContinuousClock.now
        func save() async throws {
            guard !unsaved.isEmpty else { return }
            try await store.saveWebhookDeliveries(unsaved)
            unsaved.removeAll(keepingCapacity: true)
        }
        do {
            while !stopping.withLock({ $0 }) {
                guard let webhook = try await store.webhook(id: webhookId), webhook.active else { break }
                let batch = try await store.pendingWebhookDeliveries(webhookId: webhookId, limit: Self.batchSize)
                guard let head = batch.first, (head.nextAttemptAt ?? head.createdAt) <= now() else { break }
                let refusal = await refusal(of: webhook.url)
                var waiting = false
                for delivery in batch {
                    if stopping.withLock({ $0 }) || Task.isCancelled { break }
                    // Behind the head every delivery is new (never tried): due as soon as the head is done.
                    let outcome = await self.outcome(of: delivery, webhook, refusal: refusal)
                    if Task.isCancelled { return }  // stopping: unsaved outcomes are sent again after the restart
                    if unsaved.isEmpty { oldestUnsaved = .now }
                    unsaved.append(outcome)
                    if outcome.delivery.status == .pending {
                        waiting = true  // a retry is scheduled: the rest waits behind it
                        break
                    }
                    if unsaved.count >= Self.saveEvery || ContinuousClock.now - oldestUnsaved >= Self.saveWithin { try await save() }
                }
                try await save()
                if waiting || batch.count < Self.batchSize { break }
            }
            try await save()
        } catch {
            onError(error)
        }
    }

    /// Deliveries read at once from one subscription's queue.
    static let batchSize = 100
    /// Outcomes saved together, at most this many…
    static let saveEvery = 50
    /// …or this long after the oldest unsaved one.
    static let saveWithin: Duration = .milliseconds(50)

    /// Why `url` may not be reached now (the destination check's message), or nil.
    private func refusal(of url: String) async -> String? {
        do throws(DomainError) {
            try await destination.check(url)
            return nil
        } catch {
            return error.message
        }
    }

    /// One attempt at `delivery`: its outcome and attempt saved together.
    func attempt(_ delivery: WebhookDelivery, _ webhook: Webhook) async throws {
        let outcome = await outcome(of: delivery, webhook, refusal: await refusal(of: webhook.url))
        if Task.isCancelled { return }
        try await store.saveWebhookDeliveries([outcome])
    }

    /// One attempt at `delivery` (not saved): its new state and the attempt. `refusal` is the destination check's
    /// answer for the subscription's URL: a refused destination is not retried (the configuration forbids it).
    func outcome(of delivery: WebhookDelivery, _ webhook: Webhook, refusal: String?) async -> (delivery: WebhookDelivery, attempt: WebhookAttempt?) {
        var delivery = delivery
        let started = now()
        let clock = ContinuousClock.now
        if let refusal {
            delivery.attemptCount += 1
            delivery.status = .dead
            delivery.deadReason = refusal
            delivery.nextAttemptAt = nil
            let attempt = WebhookAttempt(deliveryId: delivery.id ?? 0, at: started, httpStatus: nil, error: refusal, durationMs: 0, responseExcerpt: nil)
            outcomes.withLock { $0.dead += 1 }
            return (delivery, attempt)
        }
        let timestamp = Int64(started.timeIntervalSince1970)
        let headers = [
            ("Content-Type", "application/json"),
            ("TWS-Webhook-Id", String(delivery.id ?? 0)),
            ("TWS-Webhook-Timestamp", String(timestamp)),
            ("TWS-Signature", WebhookSignature.header(secret: webhook.secret, timestamp: timestamp, body: delivery.body)),
            ("User-Agent", "TWS-Webhooks/1"),
        ]
        let result = await sender.post(url: webhook.url, headers: headers, body: delivery.body, timeout: configuration.timeout)
        let elapsed = ContinuousClock.now - clock
        let durationMs = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        delivery.attemptCount += 1
        if result.succeeded {
            delivery.status = .delivered
            delivery.nextAttemptAt = nil
            outcomes.withLock { $0.delivered += 1 }
        } else if let next = configuration.backoff.nextAttempt(
            afterFailures: delivery.attemptCount,
            windowStart: delivery.windowStart,
            now: now(),
            random: random()
        ) {
            delivery.nextAttemptAt = next
            outcomes.withLock { $0.failed += 1 }
        } else {
            delivery.status = .dead
            delivery.nextAttemptAt = nil
            delivery.deadReason = "retry window ended: " + (result.error ?? result.status.map { "HTTP \($0)" } ?? "no answer")
            outcomes.withLock { $0.dead += 1 }
        }
        let attempt = WebhookAttempt(
            deliveryId: delivery.id ?? 0,
            at: started,
            httpStatus: result.status,
            error: result.error ?? (result.succeeded ? nil : result.status.map { "HTTP \($0)" }),
            durationMs: durationMs,
            responseExcerpt: result.excerpt
        )
        return (delivery, attempt)
    }
}

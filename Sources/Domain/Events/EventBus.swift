import Foundation
import Synchronization

/// Carries push events from the call model to the push channel's subscribers (DESIGN "How data flows" step 2).
///
/// Each domain has its own sequence (1, 2, 3, … assigned at publish) and a bounded ring of recent events, so a
/// client that reconnects with `after` gets exactly what it missed, or a `resync` event when the ring no longer
/// has it. Subscribers are cursors into the ring with a bounded queue: one that falls behind is cut off
/// (`PushSubscriptionEnd.slowConsumer`) instead of growing memory.
///
/// `publish` is synchronous and takes one lock per domain, so the PBX event path never suspends; state is behind
/// `Mutex`es rather than in an actor for that reason.
public final class EventBus: Sendable {
    /// Sizes of the buffers.
    public struct Configuration: Sendable {
        /// Events kept per domain for replay.
        public var capacity: Int
        /// Admitted live events a subscriber may leave unread before it is cut off.
        public var subscriberQueueLimit: Int

        public init(capacity: Int = 10_000, subscriberQueueLimit: Int = 1_000) {
            self.capacity = capacity
            self.subscriberQueueLimit = subscriberQueueLimit
        }
    }

    /// Counters since start, over all domains, and current gauges.
    public struct Metrics: Sendable, Equatable {
        public var published: UInt64 = 0
        /// Events handed to subscribers and long-polls (resync events included).
        public var delivered: UInt64 = 0
        /// Subscriptions ended as slow consumers.
        public var droppedSubscribers: UInt64 = 0
        /// Open subscriptions.
        public var subscribers = 0
        /// Long-polls waiting for an event.
        public var waitingPolls = 0

        public init() {}

        init(published: UInt64, delivered: UInt64, droppedSubscribers: UInt64, subscribers: Int, waitingPolls: Int) {
            self.published = published
            self.delivered = delivered
            self.droppedSubscribers = droppedSubscribers
            self.subscribers = subscribers
            self.waitingPolls = waitingPolls
        }
    }

    /// A long-poll answer.
    public struct PollResult: Sendable, Equatable {
        /// Admitted events in seq order, or a single `resync` event.
        public var events: [PushEvent]
        /// What to pass as `after` next time: the highest seq examined, including events the filter left out.
        public var next: UInt64

        public init(events: [PushEvent], next: UInt64) {
            self.events = events
            self.next = next
        }
    }

    public let configuration: Configuration
    private let now: @Sendable () -> Date
    private let logs = Mutex<[Int64: DomainEventLog]>([:])

    public init(configuration: Configuration = Configuration(), now: @escaping @Sendable () -> Date = Date.init) {
        precondition(configuration.capacity >= 1 && configuration.subscriberQueueLimit >= 1, "event bus sizes must be positive")
        self.configuration = configuration
        self.now = now
    }

    /// Publishes `event` to the subscribers of `domainId` that `audience` admits; returns the seq it was given
    /// (written into the event's `seq`).
    @discardableResult
    public func publish(domainId: Int64, audience: PushAudience, event: PushEvent) -> UInt64 {
        log(domainId).publish(event, audience: audience)
    }

    /// Subscribes to the events of `domainId` that `filter` admits.
    ///
    /// - Parameter after: nil for live events only; otherwise the last seq the client handled: the events after it
    ///   are replayed first, or a `resync` event is sent when the ring no longer holds all of them.
    /// - Throws: `invalid_parameter` (field `after`) when `after` is beyond the domain's last seq.
    public func subscribe(domainId: Int64, after: UInt64?, filter: PushAudienceFilter) throws(DomainError) -> PushSubscription {
        let log = log(domainId)
        return PushSubscription(log: log, id: try log.subscribe(after: after, filter: filter))
    }

    /// The events after `after` that `filter` admits, at most `limit`, waiting up to `timeout` for one when there
    /// are none yet. `after` nil means the current seq (wait for new events). Same resync rule as `subscribe`.
    /// Returns what it has when the task is cancelled.
    public func poll(
        domainId: Int64,
        after: UInt64?,
        filter: PushAudienceFilter,
        limit: Int = 500,
        timeout: Duration
    ) async throws(DomainError) -> PollResult {
        let log = log(domainId)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var result = try log.collect(after: after, filter: filter, limit: max(1, limit))
        while result.events.isEmpty && ContinuousClock.now < deadline && !Task.isCancelled {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
                group.addTask { [next = result.next] in await log.waitForEvent(after: next, filter: filter) }
                await group.next()
                group.cancelAll()
            }
            result = try log.collect(after: result.next, filter: filter, limit: max(1, limit))
        }
        return result
    }

    /// The last seq assigned in `domainId` (0 before its first event).
    public func currentSeq(domainId: Int64) -> UInt64 {
        logs.withLock { $0[domainId] }?.head ?? 0
    }

    /// The counters summed over all domains.
    public var metrics: Metrics {
        let all = logs.withLock { Array($0.values) }
        return all.map { $0.metrics() }.reduce(into: Metrics()) { sum, domain in
            sum.published += domain.published
            sum.delivered += domain.delivered
            sum.droppedSubscribers += domain.droppedSubscribers
            sum.subscribers += domain.subscribers
            sum.waitingPolls += domain.waitingPolls
        }
    }

    private func log(_ domainId: Int64) -> DomainEventLog {
        logs.withLock { logs in
            if let log = logs[domainId] { return log }
            let log = DomainEventLog(capacity: configuration.capacity, queueLimit: configuration.subscriberQueueLimit, now: now)
            logs[domainId] = log
            return log
        }
    }
}

/// The bus is where Domain publishes push events.
extension EventBus: PushPublisher {}

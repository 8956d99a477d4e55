/// Why the bus ended a subscription; the raw value is the reason a transport reports to the client.
public enum PushSubscriptionEnd: String, Error, Sendable, Equatable {
    /// The consumer fell more events behind than its queue holds, or behind the replay buffer.
    /// Reconnecting with `after` = the last seq it handled gives it the missed events while the buffer has them.
    case slowConsumer = "slow_consumer"
}

/// One subscriber's events of a domain, as an async sequence: first the replay (or a `resync` event), then live
/// events, each admitted by the subscriber's filter, in seq order.
///
/// Iteration ends (nil) after `cancel()` or when the iterating task is cancelled, and throws
/// `PushSubscriptionEnd` when the bus cut the subscriber off. Dropping the subscription unsubscribes it.
public final class PushSubscription: AsyncSequence, Sendable {
    public typealias Element = PushEvent

    private let log: DomainEventLog
    private let id: Int

    init(log: DomainEventLog, id: Int) {
        self.log = log
        self.id = id
    }

    deinit { log.remove(id) }

    /// Ends the subscription: a waiting iteration returns nil, and so do later ones.
    public func cancel() { log.finish(id) }

    /// Admitted events not yet taken by the consumer (replay included). The live part never exceeds the bus's queue limit.
    public var backlog: Int { log.pending(id) }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(subscription: self) }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let subscription: PushSubscription

        public mutating func next() async throws -> PushEvent? { try await subscription.log.next(subscription.id) }
    }
}

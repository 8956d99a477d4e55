import Foundation
import Synchronization

/// One domain's part of the `EventBus`: its ring of recent events, its subscribers and its waiting long-polls,
/// all under one lock.
///
/// A subscriber holds no copy of the events: it is a cursor into the ring plus a count of the events its filter
/// admitted that it has not taken yet. Publishing therefore costs one ring write and one filter check per
/// subscriber, and memory is bounded by the ring whatever the subscribers do.
final class DomainEventLog: Sendable {
    /// What a waiting `next()` is given.
    enum Delivery: Sendable {
        case event(PushEvent)
        case ended(PushSubscriptionEnd)
        case finished
    }

    /// One subscription's position.
    struct Subscriber {
        let filter: PushAudienceFilter
        /// Events up to this seq were in the ring when the subscription started: they are replayed from it and do
        /// not count against the queue limit.
        let replayEnd: UInt64
        /// While `pending > 0`, the seq of the next event to hand out (always one the filter admits); otherwise `head + 1`.
        var cursor: UInt64
        /// Admitted events up to `replayEnd` not yet taken.
        var replay: Int
        /// Admitted live events not yet taken: the subscriber's queue, never above the limit.
        var backlog = 0
        /// Handed out first, instead of a replay that the ring can no longer give.
        var resync: PushEvent?
        /// The consumer, when it waits for an event.
        var waiter: UnsafeContinuation<Delivery, Never>?
        /// Why the bus ended the subscription, until the consumer is told.
        var end: PushSubscriptionEnd?
        var finished = false

        var pending: Int { replay + backlog }

        /// Offers a newly published event; returns whether it was handed straight to a waiting consumer.
        /// `evicted` is the seq the ring overwrote for it (0 for none).
        mutating func offer(_ event: PushEvent, admitted: Bool, evicted: UInt64, limit: Int) -> (delivered: Bool, cutOff: Bool) {
            guard !finished, end == nil else { return (false, false) }
            if pending == 0 {
                // Nothing unread: the cursor is at this very event.
                guard admitted else {
                    cursor = event.seq + 1
                    return (false, false)
                }
                if let waiter {
                    self.waiter = nil
                    cursor = event.seq + 1
                    // Resuming only schedules the consumer's task; it does not run it under the lock.
                    waiter.resume(returning: .event(event))
                    return (true, false)
                }
                cursor = event.seq
            } else if evicted != 0 && cursor <= evicted {
                // The ring overwrote an event this subscriber had not read yet.
                cut()
                return (false, true)
            } else if !admitted {
                return (false, false)
            }
            guard backlog < limit else {
                cut()
                return (false, true)
            }
            backlog += 1
            return (false, false)
        }

        /// The next event for the consumer, the end of the subscription, or nil when it must wait.
        mutating func take(from ring: EventRing) -> Delivery? {
            if finished { return .finished }
            if let resync {
                self.resync = nil
                return .event(resync)
            }
            if let end {
                self.end = nil
                finished = true
                return .ended(end)
            }
            guard pending > 0 else { return nil }
            let event = ring[cursor].event
            if cursor <= replayEnd { replay -= 1 } else { backlog -= 1 }
            cursor = pending == 0 ? ring.head + 1 : ring.firstAdmitted(after: cursor, by: filter)
            return .event(event)
        }

        /// Ends the subscription as a slow consumer: its unread events are forgotten (the ring still has them for a
        /// reconnect with `after`).
        private mutating func cut() {
            end = .slowConsumer
            replay = 0
            backlog = 0
        }
    }

    /// A long-poll waiting for an event its filter admits.
    struct PollWaiter {
        let id: Int
        let filter: PushAudienceFilter
        let continuation: UnsafeContinuation<Void, Never>
    }

    struct State {
        var ring: EventRing
        var subscribers: [Int: Subscriber] = [:]
        /// Subscribers a device's events may reach (it is one of their filter's device sets), by device number.
        var byDevice: [String: [Int]] = [:]
        /// Subscribers a user's events may reach, by user id.
        var byUser: [Int64: [Int]] = [:]
        /// Administrators: offered every event, their filter goes by type.
        var administrators: Set<Int> = []
        /// Subscribers with events pending: offered every event, for the ring's eviction check.
        var behind: Set<Int> = []
        var polls: [PollWaiter] = []
        var nextId = 0
        var published: UInt64 = 0
        var delivered: UInt64 = 0
        var droppedSubscribers: UInt64 = 0

        /// The next delivery of subscription `id` (`.finished` when it is gone), or nil when its consumer must wait.
        mutating func take(_ id: Int) -> Delivery? {
            guard subscribers[id] != nil else { return .finished }
            let delivery = subscribers[id]?.take(from: ring)
            if case .event = delivery { delivered += 1 }
            if subscribers[id]?.pending == 0 { behind.remove(id) }
            return delivery
        }

        /// Adds subscriber `id` to the indexes publishing looks it up in.
        mutating func index(_ id: Int, _ filter: PushAudienceFilter) {
            switch filter.receiver {
            case .administrator:
                administrators.insert(id)
            case .user:
                byUser[filter.userId, default: []].append(id)
                let devices = filter.visibleDevices.union(filter.supervisedDevices).union(filter.bossDevices).union(filter.ownDevices)
                for device in devices { byDevice[device, default: []].append(id) }
            }
        }

        /// Removes subscriber `id` from the indexes.
        mutating func unindex(_ id: Int, _ filter: PushAudienceFilter) {
            administrators.remove(id)
            behind.remove(id)
            func drop<Key: Hashable>(_ key: Key, from index: inout [Key: [Int]]) {
                index[key]?.removeAll { $0 == id }
                if index[key]?.isEmpty == true { index[key] = nil }
            }
            guard filter.receiver == .user else { return }
            drop(filter.userId, from: &byUser)
            let devices = filter.visibleDevices.union(filter.supervisedDevices).union(filter.bossDevices).union(filter.ownDevices)
            for device in devices { drop(device, from: &byDevice) }
        }

        /// The subscribers an event for `audience` may reach: those its filter could admit, plus administrators and
        /// the subscribers with events pending (the ring may have overwritten one of theirs). Nil: all of them.
        func candidates(for audience: PushAudience) -> Set<Int>? {
            var ids = administrators.union(behind)
            switch audience {
            case .device(let number), .intercom(let number), .secretaries(let number), .owner(let number):
                ids.formUnion(byDevice[number] ?? [])
            case .user(let userId):
                ids.formUnion(byUser[userId] ?? [])
            case .users(let userIds):
                for userId in userIds { ids.formUnion(byUser[userId] ?? []) }
            case .domain, .directory:
                return nil
            }
            return ids
        }

        /// Offers a published event to subscriber `id`.
        mutating func offer(_ id: Int, _ event: PushEvent, audience: PushAudience, evicted: UInt64, limit: Int) {
            guard let admitted = subscribers[id].map({ $0.filter.admits(audience, type: event.type) }) else { return }
            guard let outcome = subscribers[id]?.offer(event, admitted: admitted, evicted: evicted, limit: limit) else { return }
            if outcome.delivered { delivered += 1 }
            if outcome.cutOff { droppedSubscribers += 1 }
            if subscribers[id]?.pending ?? 0 > 0 { behind.insert(id) } else { behind.remove(id) }
        }

        /// Checks a client's `after` and tells whether the events after it are still all in the ring.
        func replayable(after: UInt64) throws(DomainError) -> Bool {
            guard after <= ring.head else {
                throw DomainError(
                    .invalid,
                    code: "invalid_parameter",
                    "after (\(after)) is beyond the last event of the domain (\(ring.head))",
                    field: "after"
                )
            }
            return after + 1 >= ring.oldest
        }

        /// The event that replaces a replay the ring can no longer give: reload, then resume after its seq.
        func resyncEvent(at now: Date) -> PushEvent {
            PushEvent(
                seq: ring.head,
                type: .resync,
                time: now,
                resync: ResyncPayload(oldestAvailable: ring.oldest, reason: "events_expired")
            )
        }
    }

    private let state: Mutex<State>
    private let queueLimit: Int
    private let now: @Sendable () -> Date

    init(capacity: Int, queueLimit: Int, now: @escaping @Sendable () -> Date) {
        precondition(queueLimit >= 1, "a subscriber queue must hold at least one event")
        self.state = Mutex(State(ring: EventRing(capacity: capacity)))
        self.queueLimit = queueLimit
        self.now = now
    }

    var head: UInt64 { state.withLock { $0.ring.head } }

    // MARK: Publishing

    func publish(_ event: PushEvent, audience: PushAudience) -> UInt64 {
        let limit = queueLimit
        return state.withLock { state in
            let (seq, evicted) = state.ring.append(event, audience: audience)
            var event = event
            event.seq = seq
            state.published += 1
            // Only the subscribers the event can concern: a subscriber with nothing pending that the event does not
            // reach would only move its cursor, which is not read until it has something pending again.
            if let candidates = state.candidates(for: audience) {
                for id in candidates { state.offer(id, event, audience: audience, evicted: evicted, limit: limit) }
            } else {
                for id in Array(state.subscribers.keys) { state.offer(id, event, audience: audience, evicted: evicted, limit: limit) }
            }
            var waiter = state.polls.count
            while waiter > 0 {
                waiter -= 1
                guard state.polls[waiter].filter.admits(audience, type: event.type) else { continue }
                state.polls[waiter].continuation.resume()
                state.polls.swapAt(waiter, state.polls.count - 1)
                state.polls.removeLast()
            }
            return seq
        }
    }

    // MARK: Subscriptions

    func subscribe(after: UInt64?, filter: PushAudienceFilter) throws(DomainError) -> Int {
        let now = self.now
        return try state.withLock { state throws(DomainError) in
            let head = state.ring.head
            var subscriber = Subscriber(filter: filter, replayEnd: head, cursor: head + 1, replay: 0)
            if let after {
                if try state.replayable(after: after) {
                    subscriber.replay = state.ring.admittedCount(after: after, by: filter)
                    if subscriber.replay > 0 { subscriber.cursor = state.ring.firstAdmitted(after: after, by: filter) }
                } else {
                    subscriber.resync = state.resyncEvent(at: now())
                }
            }
            let id = state.nextId
            state.nextId += 1
            state.subscribers[id] = subscriber
            state.index(id, filter)
            if subscriber.pending > 0 { state.behind.insert(id) }
            return id
        }
    }

    /// The next event of subscription `id`; nil once it is finished (cancelled); throws when the bus ended it.
    func next(_ id: Int) async throws(PushSubscriptionEnd) -> PushEvent? {
        let delivery: Delivery
        if let ready = state.withLock({ $0.take(id) }) {
            delivery = ready
        } else {
            delivery = await withTaskCancellationHandler {
                await withUnsafeContinuation { (continuation: UnsafeContinuation<Delivery, Never>) in
                    let ready = state.withLock { state -> Delivery? in
                        if let ready = state.take(id) { return ready }
                        state.subscribers[id]?.waiter = continuation
                        return nil
                    }
                    if let ready { continuation.resume(returning: ready) }
                }
            } onCancel: {
                finish(id)
            }
        }
        switch delivery {
        case .event(let event): return event
        case .ended(let end): throw end
        case .finished: return nil
        }
    }

    /// Ends subscription `id` for its consumer: a waiting `next()` returns nil, and so does every later one.
    func finish(_ id: Int) {
        let waiter = state.withLock { state -> UnsafeContinuation<Delivery, Never>? in
            state.subscribers[id]?.finished = true
            defer { state.subscribers[id]?.waiter = nil }
            return state.subscribers[id]?.waiter
        }
        waiter?.resume(returning: .finished)
    }

    /// Forgets subscription `id` (its consumer is gone).
    func remove(_ id: Int) {
        finish(id)
        state.withLock { state in
            if let gone = state.subscribers.removeValue(forKey: id) { state.unindex(id, gone.filter) }
        }
    }

    /// The admitted events subscription `id` has not taken yet.
    func pending(_ id: Int) -> Int { state.withLock { $0.subscribers[id]?.pending ?? 0 } }

    // MARK: Long-poll

    /// Up to `limit` admitted events after `after` (or a resync event), and the highest seq examined.
    func collect(after: UInt64?, filter: PushAudienceFilter, limit: Int) throws(DomainError) -> EventBus.PollResult {
        let now = self.now
        return try state.withLock { state throws(DomainError) in
            let after = after ?? state.ring.head
            guard try state.replayable(after: after) else {
                state.delivered += 1
                return EventBus.PollResult(events: [state.resyncEvent(at: now())], next: state.ring.head)
            }
            var events: [PushEvent] = []
            var seq = after
            while seq < state.ring.head && events.count < limit {
                seq += 1
                if state.ring.admitted(seq, by: filter) { events.append(state.ring[seq].event) }
            }
            state.delivered += UInt64(events.count)
            return EventBus.PollResult(events: events, next: seq)
        }
    }

    /// Returns once an event `filter` admits is published, or at once if anything was published after `after`,
    /// or when the task is cancelled.
    func waitForEvent(after: UInt64, filter: PushAudienceFilter) async {
        let id = state.withLock { state in
            defer { state.nextId += 1 }
            return state.nextId
        }
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    // Checked under the lock: `onCancel` runs after the flag is set, so either it finds the waiter
                    // stored below or this check sees the cancellation.
                    if state.ring.head != after || Task.isCancelled { return true }
                    state.polls.append(PollWaiter(id: id, filter: filter, continuation: continuation))
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> PollWaiter? in
                guard let index = state.polls.firstIndex(where: { $0.id == id }) else { return nil }
                return state.polls.remove(at: index)
            }
            waiter?.continuation.resume()
        }
    }

    // MARK: Metrics

    func metrics() -> EventBus.Metrics {
        state.withLock { state in
            EventBus.Metrics(
                published: state.published,
                delivered: state.delivered,
                droppedSubscribers: state.droppedSubscribers,
                subscribers: state.subscribers.count,
                waitingPolls: state.polls.count
            )
        }
    }
}

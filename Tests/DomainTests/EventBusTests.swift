import Domain
import Foundation
import Testing

@Suite struct EventBusTests {
    // Sam owns device 2001, Eve owns 3001; both in domain 1.
    let sam = PushAudienceFilter(userId: 1, domainId: 1, visibleDevices: ["2001"])
    let eve = PushAudienceFilter(userId: 2, domainId: 1, visibleDevices: ["3001"])

    // MARK: Sequence numbers

    @Test func seqStartsAtOneAndIncreasesPerDomainIndependently() async throws {
        let bus = EventBus()
        #expect(bus.currentSeq(domainId: 1) == 0)
        #expect(bus.publish(domainId: 1, audience: .domain, event: .call("2001")) == 1)
        #expect(bus.publish(domainId: 1, audience: .domain, event: .call("2001")) == 2)
        #expect(bus.publish(domainId: 2, audience: .domain, event: .call("2001")) == 1)
        #expect(bus.publish(domainId: 1, audience: .domain, event: .call("2001", seq: 42)) == 3)
        #expect(bus.currentSeq(domainId: 1) == 3)
        #expect(bus.currentSeq(domainId: 2) == 1)
        #expect(bus.currentSeq(domainId: 99) == 0)

        // The seq given at publish replaces whatever the event carried.
        let replay = try bus.subscribe(domainId: 1, after: 0, filter: sam)
        #expect(try await replay.take(3).map(\.seq) == [1, 2, 3])
    }

    @Test func concurrentPublishersProduceOneGaplessOrderedStream() async throws {
        let bus = EventBus(configuration: .init(capacity: 2_000, subscriberQueueLimit: 2_000))
        let subscription = try bus.subscribe(domainId: 1, after: nil, filter: sam)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<250 { bus.publish(domainId: 1, audience: .device("2001"), event: .call("2001")) }
                }
            }
        }
        #expect(try await subscription.take(1_000).map(\.seq) == Array(1...1_000))
    }

    // MARK: Replay and resync

    @Test func subscribingAfterASeqReplaysTheLaterEventsThenGoesLive() async throws {
        let bus = EventBus()
        for _ in 1...5 { bus.publish(domainId: 1, audience: .device("2001"), event: .call("2001")) }
        let subscription = try bus.subscribe(domainId: 1, after: 2, filter: sam)
        #expect(try await subscription.take(3).map(\.seq) == [3, 4, 5])
        bus.publish(domainId: 1, audience: .device("2001"), event: .call("2001"))
        #expect(try await subscription.take(1).map(\.seq) == [6])
    }

    @Test func aLiveOnlySubscriptionStartsAfterTheCurrentSeq() async throws {
        let bus = EventBus()
        for _ in 1...3 { bus.publish(domainId: 1, audience: .domain, event: .call("2001")) }
        let subscription = try bus.subscribe(domainId: 1, after: nil, filter: sam)
        #expect(subscription.backlog == 0)
        bus.publish(domainId: 1, audience: .domain, event: .call("2001"))
        #expect(try await subscription.take(1).map(\.seq) == [4])
    }

    @Test func afterOlderThanTheRingGivesOneResyncEventThenLiveEvents() async throws {
        let bus = EventBus(configuration: .init(capacity: 4))
        for _ in 1...10 { bus.publish(domainId: 1, audience: .device("2001"), event: .call("2001")) }
        // The ring holds 7...10: after 6 is still complete, after 5 is not.
        let complete = try bus.subscribe(domainId: 1, after: 6, filter: sam)
        #expect(try await complete.take(4).map(\.seq) == [7, 8, 9, 10])

        let stale = try bus.subscribe(domainId: 1, after: 5, filter: sam)
        let resync = try #require(try await stale.take(1).first)
        #expect(resync.type == .resync)
        #expect(resync.seq == 10, "resume after the current seq")
        #expect(resync.resync?.oldestAvailable == 7)
        #expect(resync.resync?.reason.isEmpty == false)
        bus.publish(domainId: 1, audience: .device("2001"), event: .call("2001"))
        #expect(try await stale.take(1).map(\.seq) == [11])
    }

    @Test func afterBeyondTheCurrentSeqIsAClientError() async throws {
        let bus = EventBus()
        bus.publish(domainId: 1, audience: .domain, event: .call("2001"))
        let error = try #require(throws: DomainError.self) { try bus.subscribe(domainId: 1, after: 2, filter: sam) }
        #expect(error.kind == .invalid)
        #expect(error.code == "invalid_parameter")
        #expect(error.field == "after")
        await #expect(throws: DomainError.self) { try await bus.poll(domainId: 1, after: 2, filter: sam, timeout: .zero) }
        // The current seq itself is fine: nothing to replay.
        _ = try bus.subscribe(domainId: 1, after: 1, filter: sam)
    }

    // MARK: Filters

    @Test func eachSubscriberGetsOnlyWhatItsFilterAdmits() async throws {
        let bus = EventBus()
        bus.publish(domainId: 1, audience: .device("2001"), event: .call("2001"))  // 1: Sam's device
        bus.publish(domainId: 1, audience: .device("3001"), event: .call("3001"))  // 2: Eve's device
        bus.publish(domainId: 1, audience: .user(1), event: .call("2001"))  // 3: for Sam only
        bus.publish(domainId: 1, audience: .user(2), event: .call("3001"))  // 4: for Eve only
        bus.publish(domainId: 1, audience: .domain, event: .call("2001"))  // 5: everyone
        let samsReplay = try bus.subscribe(domainId: 1, after: 0, filter: sam)
        let evesReplay = try bus.subscribe(domainId: 1, after: 0, filter: eve)
        #expect(try await samsReplay.take(3).map(\.seq) == [1, 3, 5])
        #expect(try await evesReplay.take(3).map(\.seq) == [2, 4, 5])

        // Live events are filtered the same way; a sentinel proves nothing else came before it.
        bus.publish(domainId: 1, audience: .device("2001"), event: .call("2001"))  // 6
        bus.publish(domainId: 1, audience: .user(1), event: .call("2001"))  // 7
        bus.publish(domainId: 1, audience: .device("3001"), event: .call("3001"))  // 8
        #expect(try await evesReplay.take(1).map(\.seq) == [8])
        #expect(try await samsReplay.take(2).map(\.seq) == [6, 7])
        #expect(evesReplay.backlog == 0)
    }

    @Test func anotherDomainsEventsNeverReachASubscriber() async throws {
        let bus = EventBus()
        let subscription = try bus.subscribe(domainId: 1, after: nil, filter: sam)
        bus.publish(domainId: 2, audience: .domain, event: .call("2001"))
        bus.publish(domainId: 1, audience: .domain, event: .call("2001"))
        let event = try #require(try await subscription.take(1).first)
        #expect(event.seq == 1)
        #expect(subscription.backlog == 0)
    }

    // MARK: Slow consumers

    @Test func aSubscriberThatFallsBehindItsQueueLimitIsCutOffWithAReason() async throws {
        let bus = EventBus(configuration: .init(capacity: 100, subscriberQueueLimit: 5))
        let subscription = try bus.subscribe(domainId: 1, after: nil, filter: sam)
        for _ in 1...5 {
            bus.publish(domainId: 1, audience: .device("2001"), event: .call("2001"))
            #expect(subscription.backlog <= 5)
        }
        #expect(subscription.backlog == 5)
        for _ in 1...50 {
            bus.publish(domainId: 1, audience: .device("2001"), event: .call("2001"))
            #expect(subscription.backlog <= 5, "the queue never exceeds its limit")
        }
        #expect(subscription.backlog == 0, "a cut-off subscriber holds nothing")
        await #expect(throws: PushSubscriptionEnd.slowConsumer) { _ = try await subscription.take(1) }
        #expect(PushSubscriptionEnd.slowConsumer.rawValue == "slow_consumer")
        // Once told, the subscription is over.
        let afterTheEnd = try await within {
            var count = 0
            for try await _ in subscription { count += 1 }
            return count
        }
        #expect(afterTheEnd == 0)
        #expect(bus.metrics.droppedSubscribers == 1)

        // Reconnecting with the last seq handled gives the missed events, which the ring still holds.
        let again = try bus.subscribe(domainId: 1, after: 0, filter: sam)
        #expect(try await again.take(55).map(\.seq) == Array(1...55))
    }

    @Test func eventsTheFilterRefusesNeverFillTheQueue() async throws {
        let bus = EventBus(configuration: .init(capacity: 10, subscriberQueueLimit: 2))
        let subscription = try bus.subscribe(domainId: 1, after: nil, filter: sam)
        for _ in 1...100 { bus.publish(domainId: 1, audience: .device("3001"), event: .call("3001")) }
        bus.publish(domainId: 1, audience: .device("2001"), event: .call("2001"))
        #expect(try await subscription.take(1).map(\.seq) == [101])
        #expect(bus.metrics.droppedSubscribers == 0)
    }

    @Test func aSubscriberWhoseUnreadEventsLeaveTheRingIsCutOff() async throws {
        let bus = EventBus(configuration: .init(capacity: 4, subscriberQueueLimit: 100))
        let subscription = try bus.subscribe(domainId: 1, after: nil, filter: sam)
        for _ in 1...4 { bus.publish(domainId: 1, audience: .device("2001"), event: .call("2001")) }
        #expect(subscription.backlog == 4)
        bus.publish(domainId: 1, audience: .device("2001"), event: .call("2001"))
        await #expect(throws: PushSubscriptionEnd.slowConsumer) { _ = try await subscription.take(1) }
    }

    // MARK: Ending a subscription

    @Test func cancellingASubscriptionEndsAWaitingIteration() async throws {
        let bus = EventBus()
        let subscription = try bus.subscribe(domainId: 1, after: nil, filter: sam)
        let consumer = Task {
            var seen = 0
            for try await _ in subscription { seen += 1 }
            return seen
        }
        try await waitUntil { bus.metrics.subscribers == 1 }
        bus.publish(domainId: 1, audience: .domain, event: .call("2001"))
        try await waitUntil { subscription.backlog == 0 && bus.metrics.delivered == 1 }
        subscription.cancel()
        #expect(try await within { try await consumer.value } == 1)
    }

    @Test func cancellingTheConsumingTaskEndsTheIteration() async throws {
        let bus = EventBus()
        let subscription = try bus.subscribe(domainId: 1, after: nil, filter: sam)
        let consumer = Task { try await subscription.take(1) }
        consumer.cancel()
        #expect(try await within { try await consumer.value }.isEmpty)
    }

    @Test func droppingASubscriptionUnsubscribesIt() throws {
        let bus = EventBus()
        do {
            let subscription = try bus.subscribe(domainId: 1, after: nil, filter: sam)
            #expect(bus.metrics.subscribers == 1)
            _ = subscription
        }
        #expect(bus.metrics.subscribers == 0)
    }

    // MARK: Long-poll

    @Test func pollReturnsWaitingEventsAtOnceAndNextIsTheLastSeqExamined() async throws {
        let bus = EventBus()
        bus.publish(domainId: 1, audience: .device("2001"), event: .call("2001"))  // 1
        bus.publish(domainId: 1, audience: .device("3001"), event: .call("3001"))  // 2: not Sam's
        bus.publish(domainId: 1, audience: .device("2001"), event: .call("2001"))  // 3
        bus.publish(domainId: 1, audience: .device("3001"), event: .call("3001"))  // 4: not Sam's
        let result = try await bus.poll(domainId: 1, after: 0, filter: sam, timeout: .seconds(30))
        #expect(result.events.map(\.seq) == [1, 3])
        #expect(result.next == 4, "filtered-out events are not scanned again")

        let limited = try await bus.poll(domainId: 1, after: 0, filter: sam, limit: 1, timeout: .zero)
        #expect(limited.events.map(\.seq) == [1])
        #expect(limited.next == 1)
    }

    @Test func pollWaitsForAnAdmittedEventAndReturnsWhenOneIsPublished() async throws {
        let bus = EventBus()
        bus.publish(domainId: 1, audience: .domain, event: .call("2001"))  // 1
        let poll = Task { try await bus.poll(domainId: 1, after: nil, filter: sam, timeout: .seconds(60)) }
        try await waitUntil { bus.metrics.waitingPolls == 1 }
        bus.publish(domainId: 1, audience: .device("3001"), event: .call("3001"))  // 2: not Sam's, keeps waiting
        #expect(bus.metrics.waitingPolls == 1)
        bus.publish(domainId: 1, audience: .device("2001"), event: .call("2001"))  // 3
        let result = try await within { try await poll.value }
        #expect(result.events.map(\.seq) == [3])
        #expect(result.next == 3)
        #expect(bus.metrics.waitingPolls == 0)
    }

    @Test func pollTimeoutReturnsNoEventsAndNextUnchanged() async throws {
        let bus = EventBus()
        for _ in 1...3 { bus.publish(domainId: 1, audience: .domain, event: .call("2001")) }
        let waited = try await bus.poll(domainId: 1, after: 3, filter: sam, timeout: .milliseconds(50))
        #expect(waited == EventBus.PollResult(events: [], next: 3))
        let immediate = try await bus.poll(domainId: 1, after: nil, filter: sam, timeout: .zero)
        #expect(immediate == EventBus.PollResult(events: [], next: 3))
        #expect(bus.metrics.waitingPolls == 0)
    }

    @Test func pollAfterOlderThanTheRingAnswersAResync() async throws {
        let bus = EventBus(configuration: .init(capacity: 2))
        for _ in 1...5 { bus.publish(domainId: 1, audience: .domain, event: .call("2001")) }
        let result = try await bus.poll(domainId: 1, after: 1, filter: sam, timeout: .zero)
        #expect(result.events.map(\.type) == [.resync])
        #expect(result.events.first?.resync?.oldestAvailable == 4)
        #expect(result.next == 5)
    }

    @Test func cancellingAWaitingPollReturnsAtOnce() async throws {
        let bus = EventBus()
        let poll = Task { try await bus.poll(domainId: 1, after: nil, filter: sam, timeout: .seconds(60)) }
        try await waitUntil { bus.metrics.waitingPolls == 1 }
        poll.cancel()
        #expect(try await within { try await poll.value } == EventBus.PollResult(events: [], next: 0))
        #expect(bus.metrics.waitingPolls == 0)
    }

    // MARK: Metrics

    @Test func metricsCountPublishedAndDeliveredEvents() async throws {
        let bus = EventBus()
        let samsSubscription = try bus.subscribe(domainId: 1, after: nil, filter: sam)
        let evesSubscription = try bus.subscribe(domainId: 1, after: nil, filter: eve)
        bus.publish(domainId: 1, audience: .domain, event: .call("2001"))
        bus.publish(domainId: 1, audience: .device("2001"), event: .call("2001"))
        bus.publish(domainId: 2, audience: .domain, event: .call("2001"))
        _ = try await samsSubscription.take(2)
        _ = try await evesSubscription.take(1)
        _ = try await bus.poll(domainId: 2, after: 0, filter: sam, timeout: .zero)
        let metrics = bus.metrics
        #expect(metrics.published == 3)
        #expect(metrics.delivered == 4)
        #expect(metrics.subscribers == 2)
        #expect(metrics.droppedSubscribers == 0)
    }
}

// MARK: - Helpers

extension PushEvent {
    /// A call event at `device`.
    fileprivate static func call(_ device: String, seq: UInt64 = 0) -> PushEvent {
        PushEvent(
            seq: seq,
            type: .call,
            time: Date(timeIntervalSince1970: 1_800_000_000),
            call: CallEventPayload(event: "delivered", callId: "call-1", device: device, state: .alerting)
        )
    }
}

extension PushSubscription {
    /// The next `count` events, failing when they do not come within a minute.
    fileprivate func take(_ count: Int) async throws -> [PushEvent] {
        guard count > 0 else { return [] }
        return try await within {
            var events: [PushEvent] = []
            for try await event in self {
                events.append(event)
                if events.count == count { break }
            }
            return events
        }
    }
}

/// Thrown by `within` when the body did not finish in time.
struct TimedOut: Error {}

/// Runs `body`, failing after `seconds`: a guard against hangs, not a timing assertion. A minute, because the whole
/// test run shares two cores: in loaded CI runs a job of this suite waited more than 10 s for a cooperative thread.
func within<T: Sendable>(seconds: Double = 60, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            // Cancelled (the caller's task was): step aside and let the body's answer through.
            guard (try? await Task.sleep(for: .seconds(seconds))) != nil else { return nil }
            throw TimedOut()
        }
        defer { group.cancelAll() }
        while let result = try await group.next() {
            if let value = result { return value }
        }
        throw TimedOut()
    }
}

/// Waits until `condition` holds, failing after a minute.
func waitUntil(_ condition: @escaping @Sendable () -> Bool) async throws {
    try await within {
        while !condition() { try await Task.sleep(for: .milliseconds(1)) }
    }
}

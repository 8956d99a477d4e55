import Domain
import Foundation
import Testing

/// The queue events and supervision alerts of a phone queue, from call-model outputs at chosen times (no PBX, no clock).
@Suite struct PhoneQueueObserverTests {
    let world: World
    let domainId: Int64
    let queue: PhoneQueue
    let publisher = RecordingPublisher()
    let observer: PhoneQueueObserver
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    init() async throws {
        world = try await World()
        let (_, domain) = try await world.tenant("Acme")
        domainId = domain.id!
        queue = try await world.admin.create(
            world.root,
            domainId: domainId,
            PhoneQueue(
                companyId: 0,
                domainId: 0,
                name: "Hotline",
                device: SupervisedDeviceRange(number: "7777"),
                alertWaitingCalls: 2,
                alertLongestWaitSeconds: 30
            )
        )
        observer = PhoneQueueObserver(store: world.store, publisher: publisher)
    }

    /// One call event at `device`, as the call model outputs it.
    func output(_ event: String, _ callId: String, at device: String = "7777", state: ConnectionState, cause: String? = nil) -> CallModelOutput {
        var output = CallModelOutput()
        let payload = CallEventPayload(
            event: event,
            callId: callId,
            device: device,
            state: state,
            direction: .incoming,
            peerNumber: "0612345678",
            cause: cause
        )
        output.events = [(.device(device), PushEvent(type: .call, time: start, call: payload))]
        return output
    }

    func seconds(_ value: TimeInterval) -> Date { start.addingTimeInterval(value) }

    var queueEvents: [QueueEventPayload] { publisher.events.withLock { $0.compactMap(\.event.queue) } }
    var alerts: [String] {
        publisher.events.withLock { $0.compactMap(\.event.supervisionAlert).map { "\($0.metric.rawValue) \($0.state.rawValue) \($0.value)" } }
    }

    @Test func waitingCallsAlertRisesAtTheThresholdAndClearsBelowIt() async throws {
        await observer.observe(output("queued", "1", state: .queued), domainId: domainId, time: seconds(0))
        await observer.observe(output("queued", "2", state: .queued), domainId: domainId, time: seconds(1))
        await observer.observe(output("queued", "3", state: .queued), domainId: domainId, time: seconds(2))
        await observer.observe(output("cleared", "1", state: .cleared), domainId: domainId, time: seconds(3))
        await observer.observe(output("cleared", "2", state: .cleared), domainId: domainId, time: seconds(4))
        #expect(alerts == ["waitingCalls raised 2", "waitingCalls cleared 1"])
        #expect(queueEvents.map(\.action) == [.joined, .joined, .joined, .abandoned, .abandoned])
        #expect(queueEvents.map(\.waiting) == [1, 2, 3, 2, 1])
        #expect(publisher.events.withLock { $0.allSatisfy { $0.audience == .device("7777") } })
    }

    @Test func longestWaitAlertRisesWithTimeAloneAndClearsWhenTheCallLeaves() async throws {
        await observer.observe(output("queued", "1", state: .queued), domainId: domainId, time: seconds(0))
        await observer.observe(CallModelOutput(), domainId: domainId, time: seconds(29))
        #expect(alerts.isEmpty)
        await observer.observe(CallModelOutput(), domainId: domainId, time: seconds(30))
        await observer.observe(CallModelOutput(), domainId: domainId, time: seconds(31))
        #expect(alerts == ["longestWait raised 30"])
        await observer.observe(output("cleared", "1", state: .cleared, cause: "link_lost"), domainId: domainId, time: seconds(40))
        #expect(alerts == ["longestWait raised 30", "longestWait cleared 0"])
        #expect(queueEvents.last?.action == .left)
        let alert = try #require(publisher.events.withLock { $0.compactMap(\.event.supervisionAlert).first })
        #expect(alert.domainId == domainId && alert.queueId == queue.id && alert.threshold == 30)
    }

    @Test func anAgentAnsweringIsReportedWithItsDevice() async throws {
        await observer.observe(output("queued", "1", state: .queued), domainId: domainId, time: seconds(0))
        await observer.observe(output("established", "1", at: "1002", state: .connected), domainId: domainId, time: seconds(5))
        await observer.observe(output("cleared", "1", state: .cleared), domainId: domainId, time: seconds(5))
        #expect(queueEvents.last?.action == .answered)
        #expect(queueEvents.last?.device == "1002")
    }

    @Test func callsOfOtherDevicesAreNotQueueEvents() async throws {
        await observer.observe(output("delivered", "9", at: "1001", state: .alerting), domainId: domainId, time: seconds(0))
        await observer.observe(output("cleared", "9", at: "1001", state: .cleared), domainId: domainId, time: seconds(1))
        #expect(publisher.events.withLock { $0.isEmpty })
    }
}

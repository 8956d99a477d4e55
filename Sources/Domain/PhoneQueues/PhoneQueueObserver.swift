import Foundation
import Synchronization

/// Watches the PBX event path for the shared phone queues (admin guide 9.2.2): pushes a `queue` event when a call joins
/// a queue, is answered by an agent, taken or diverted through the API, abandoned by its caller, or leaves otherwise;
/// and a `supervision_alert` when a queue's waiting calls or longest wait cross a threshold, up or down.
///
/// Fed by `CallEventPipeline` with each event's output (and every second by its sweep, so a wait crosses its threshold
/// even while the PBX is silent). The queues of a domain are read once per `configurationVersion`: the event path never
/// waits on the database while the configuration stays the same.
public final class PhoneQueueObserver: Sendable {
    /// A call seen waiting at a queue device.
    struct Waiting: Sendable {
        var callId: String
        var device: String
        var since: Date
        var callerNumber: String?
    }

    /// What the observer knows of one queue.
    struct QueueState: Sendable {
        /// Oldest first.
        var waiting: [Waiting] = []
        var alarm = QueueAlarm()
    }

    /// What the observer knows of one domain's queues.
    struct DomainState: Sendable {
        var queues: [Int64: QueueState] = [:]
        /// Agent's devices that answered a waiting call (by call id), until the call leaves the queue.
        var answeredBy: [String: String] = [:]
        /// Takes and diversions sent through the API (by call id): how the call's leaving is reported.
        var expected: [String: (action: QueueEventPayload.Action, device: String)] = [:]

        func isWaiting(_ callId: String) -> Bool { queues.values.contains { $0.waiting.contains { $0.callId == callId } } }
    }

    /// A push event to send once the state is updated (callers named outside the lock).
    private enum Outgoing {
        case queue(audience: String, QueueEventPayload, nameAt: String?)
        case alert(audience: String, SupervisionAlertPayload)
    }

    let store: any TenantStore
    let publisher: any PushPublisher
    let callerNames: (any CallerNameResolver)?
    private let configuration = VersionedCache<Int64, [PhoneQueue]>()
    private let state = Mutex<[Int64: DomainState]>([:])

    public init(store: any TenantStore, publisher: any PushPublisher, callerNames: (any CallerNameResolver)? = nil) {
        self.store = store
        self.publisher = publisher
        self.callerNames = callerNames
    }

    /// The phone queues of `domainId`, read again only after a configuration change.
    func queues(domainId: Int64) async -> [PhoneQueue] {
        let version = store.configurationVersion
        if let queues = configuration.cached(domainId, version: version) { return queues }
        // A store that cannot be read now leaves the queues unwatched until the next event tries again.
        guard let queues = try? await store.read({ tx in try tx.phoneQueues(domainId: domainId) }) else { return [] }
        configuration.keep(queues, for: domainId, version: version)
        return queues
    }

    /// Says how the next departure of `callId` from its queue is to be reported (a take or diversion being sent).
    func expect(domainId: Int64, callId: String, _ action: QueueEventPayload.Action, device: String) {
        state.withLock { $0[domainId, default: DomainState()].expected[callId] = (action, device) }
    }

    /// Forgets an expectation whose command the PBX refused.
    func forget(domainId: Int64, callId: String) {
        state.withLock { _ = $0[domainId]?.expected.removeValue(forKey: callId) }
    }

    /// Takes in one output of the call model of `domainId` (possibly empty: the sweep's tick) at `time`.
    public func observe(_ output: CallModelOutput, domainId: Int64, time: Date) async {
        let queues = await queues(domainId: domainId)
        guard !queues.isEmpty || state.withLock({ $0[domainId] != nil }) else { return }
        var byNumber: [String: PhoneQueue] = [:]
        for queue in queues { for number in queue.device.numbers { byNumber[number] = queue } }
        let outgoing = state.withLock { states in
            var domain = states[domainId] ?? DomainState()
            var outgoing: [Outgoing] = []
            for (_, event) in output.events {
                guard let call = event.call else { continue }
                if let queue = byNumber[call.device], let queueId = queue.id {
                    var queueState = domain.queues[queueId] ?? QueueState()
                    let index = queueState.waiting.firstIndex { $0.callId == call.callId }
                    var action: QueueEventPayload.Action?
                    var device: String?
                    var waiting: Waiting?
                    if call.state == .cleared, let index {
                        waiting = queueState.waiting.remove(at: index)
                        if let expected = domain.expected.removeValue(forKey: call.callId) {
                            action = expected.action
                            device = expected.device
                        } else if let agent = domain.answeredBy[call.callId] {
                            action = .answered
                            device = agent
                        } else {
                            // The caller hanging up ends the queue's connection with no cause; a cause (link lost,
                            // monitor stopped, a snapshot without the call) means the queue lost sight of it.
                            action = call.cause == nil ? .abandoned : .left
                        }
                        domain.answeredBy.removeValue(forKey: call.callId)
                    } else if call.state == .queued, index == nil {
                        let joined = Waiting(callId: call.callId, device: call.device, since: time, callerNumber: call.peerNumber)
                        queueState.waiting.append(joined)
                        action = .joined
                        waiting = joined
                    }
                    domain.queues[queueId] = queueState
                    if let action, let waiting {
                        let payload = QueueEventPayload(
                            queueId: queueId,
                            queueName: queue.name,
                            action: action,
                            callId: call.callId,
                            callerNumber: waiting.callerNumber,
                            device: device,
                            waiting: queueState.waiting.count,
                            longestWaitSeconds: Self.longestWait(queueState.waiting, at: time)
                        )
                        outgoing.append(.queue(audience: call.device, payload, nameAt: waiting.callerNumber == nil ? nil : call.device))
                    }
                } else if call.state == .connected, domain.isWaiting(call.callId) {
                    // An agent answered a call the queue distributed: its queue connection clears next.
                    domain.answeredBy[call.callId] = call.device
                }
            }
            let configured = Set(queues.compactMap(\.id))
            domain.queues = domain.queues.filter { configured.contains($0.key) }
            for queue in queues {
                guard let queueId = queue.id else { continue }
                var queueState = domain.queues[queueId] ?? QueueState()
                let alerts = queueState.alarm.evaluate(
                    queue,
                    waiting: queueState.waiting.count,
                    longestWait: Self.longestWait(queueState.waiting, at: time)
                )
                outgoing += alerts.map { .alert(audience: queue.device.number, $0) }
                if !queueState.waiting.isEmpty || !queueState.alarm.raised.isEmpty { domain.queues[queueId] = queueState }
            }
            let idle = domain.queues.isEmpty && domain.expected.isEmpty && domain.answeredBy.isEmpty
            states[domainId] = idle ? nil : domain
            return outgoing
        }
        for item in outgoing {
            switch item {
            case .queue(let audience, var payload, let nameAt):
                if let nameAt, let callerNames, let number = payload.callerNumber, !number.isEmpty {
                    payload.callerName = await callerNames.callerName(domainId: domainId, device: nameAt, number: number)
                }
                publisher.publish(domainId: domainId, audience: .device(audience), event: PushEvent(type: .queue, time: time, queue: payload))
            case .alert(let audience, let payload):
                publisher.publish(
                    domainId: domainId,
                    audience: .device(audience),
                    event: PushEvent(type: .supervisionAlert, time: time, supervisionAlert: payload)
                )
            }
        }
    }

    /// Whole seconds the oldest of `waiting` has waited at `time` (0 when none waits).
    static func longestWait(_ waiting: [Waiting], at time: Date) -> Int {
        guard let oldest = waiting.map(\.since).min() else { return 0 }
        return max(0, Int(time.timeIntervalSince(oldest)))
    }
}

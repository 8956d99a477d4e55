import Foundation
import Synchronization

/// Places the double calls of callback requests (issue 20): at a request's time, from its group's callback device,
///
/// 1. CSTA MakeCall to the agent (the member's first device, or the phone queue, which picks the agent);
/// 2. once the agent answers, ConsultationCall to the visitor (the agent's leg held, hearing the PBX's hold tone);
/// 3. once the visitor answers, TransferCall: agent and visitor talk, and the callback device leaves the call.
///
/// The same three steps serve a member and a queue, and every CSTA switch supports them; MakeCall from the agent's
/// own device would skip the callback device but cannot start from a queue, and its "ring the caller first" step
/// depends on the phone. No answer or a busy line ends the attempt (both legs hung up), and the request is tried again
/// after the group's spacing, up to its retries, then fails with the reason.
///
/// Every status is stored before it is published, so a restart finds each request where it was: an attempt cut in
/// the middle is hung up and tried again; a connected one is followed until the agent's call ends. One double call
/// runs at a time per callback device (it is one line). The engine watches the PBX event path as a `CallEventObserver`
/// (which only files the callback devices' events) and works in its own loop, `run()`, a Service of the server.
public final class CallbackEngine: CallEventObserver, Sendable {
    let store: any TenantStore
    let gateway: any SwitchGateway
    let publisher: any PushPublisher
    let events: CallEventPipeline
    let doorbell: Doorbell
    let now: @Sendable () -> Date
    /// Finished requests are kept this long.
    let retention: TimeInterval
    /// After a restart, how long a connected request's agent call may stay unseen once the PBX's snapshot of the
    /// agent's device is in, and how long clearing waits for left-over calls to be gone.
    let snapshotWait: Duration
    /// After a restart, how long the engine waits for the PBX's snapshot of a device before it acts without it (a
    /// busy machine or a slow link can take a while).
    let monitorWait: Duration
    /// How often a waiting attempt looks at its mailbox.
    static let poll: Duration = .milliseconds(25)

    private struct State {
        var stopped = false
        /// Mailboxes of the attempts running, by "domainId|device".
        var mailboxes: [String: CallEventMailbox] = [:]
        /// Requests being worked on (an attempt, or following a connected call).
        var running: Set<String> = []
        /// Callback devices in use, by "domainId|device".
        var busyDevices: Set<String> = []
        /// Per group, the member to try first next time (round robin).
        var nextMember: [Int64: Int] = [:]
    }

    private let state = Mutex(State())

    public init(
        store: any TenantStore,
        gateway: any SwitchGateway,
        publisher: any PushPublisher,
        events: CallEventPipeline,
        doorbell: Doorbell,
        retentionDays: Int = 30,
        snapshotWait: Duration = .seconds(10),
        monitorWait: Duration = .seconds(120),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.gateway = gateway
        self.publisher = publisher
        self.events = events
        self.doorbell = doorbell
        self.retention = TimeInterval(retentionDays) * 86_400
        self.snapshotWait = snapshotWait
        self.monitorWait = monitorWait
        self.now = now
    }

    // MARK: The PBX event path

    /// Files the call events of devices an attempt watches; nothing else happens here.
    public func observe(_ event: SwitchEvent?, _ output: CallModelOutput, domainId: Int64, time: Date) async {
        guard case .call(let call) = event else { return }
        let mailbox = state.withLock { $0.mailboxes.isEmpty ? nil : $0.mailboxes[Self.key(domainId, call.device)] }
        mailbox?.post(call)
    }

    static func key(_ domainId: Int64, _ device: String) -> String { "\(domainId)|\(device)" }

    // MARK: The loop

    /// Puts interrupted attempts back in the schedule, follows connected calls, then starts each request when it is
    /// due until `finish()`.
    public func run() async {
        await withDiscardingTaskGroup { group in
            await recover(group: &group)
            var lastPrune = Date.distantPast
            while !state.withLock({ $0.stopped }) {
                let time = now()
                if time.timeIntervalSince(lastPrune) > 3600 {
                    lastPrune = time
                    _ = try? await store.write { tx in try tx.deleteFinishedCallbackRequests(before: time.addingTimeInterval(-self.retention)) }
                }
                var wake: Duration = .seconds(5)
                // Only what is due (an index range), so thousands of requests waiting for an opening cost nothing here.
                if let (due, next) = try? await store.read({ tx in (try tx.dueCallbackRequests(at: time, limit: 200), try tx.nextCallbackDue()) }) {
                    if let next, next > time { wake = min(wake, .milliseconds(Int64(next.timeIntervalSince(time) * 1000) + 1)) }
                    for request in due {
                        guard let started = await start(request) else { continue }
                        group.addTask {
                            await self.attempt(started.request, group: started.group)
                            self.state.withLock { state in
                                state.running.remove(started.request.id)
                                state.busyDevices.remove(Self.key(started.group.domainId, started.group.device))
                            }
                            self.doorbell.ring()
                        }
                    }
                }
                await doorbell.wait(timeout: wake)
            }
            group.cancelAll()
        }
    }

    /// Stops the loop; attempts running are cut (their requests stay as stored, and the next start takes them again).
    public func finish() {
        state.withLock { $0.stopped = true }
        doorbell.ring()
    }

    /// The request with its group, marked running, when its callback device is free; nil to leave it for later.
    private func start(_ request: CallbackRequest) async -> (request: CallbackRequest, group: CallbackGroup)? {
        guard let group = try? await store.read({ tx in try tx.callbackGroup(id: request.groupId) }) else { return nil }
        let claimed = state.withLock { state -> Bool in
            let device = Self.key(group.domainId, group.device)
            guard !state.running.contains(request.id), !state.busyDevices.contains(device) else { return false }
            state.running.insert(request.id)
            state.busyDevices.insert(device)
            return true
        }
        return claimed ? (request, group) : nil
    }

    /// After a restart: an attempt that was running is hung up and scheduled again (it does not count); a connected
    /// request is followed until its call ends.
    private func recover(group: inout DiscardingTaskGroup) async {
        let time = now()
        let interrupted = (try? await store.write { tx -> [CallbackRequest] in
            var interrupted: [CallbackRequest] = []
            for var request in try tx.pendingCallbackRequests() where request.status != .scheduled {
                interrupted.append(request)
                request.status = .scheduled
                request.reason = .serverRestarted
                request.attempts = max(0, request.attempts - 1)
                request.dueAt = time
                request.agentDevice = nil
                request.agentCallId = nil
                request.updatedAt = time
                try tx.update(request)
            }
            return interrupted
        }) ?? []
        // Calls the previous run left at callback devices would hold them (and ring the agent): they are hung up,
        // once the PBX's snapshot shows them, before any new attempt starts there. The device counts as busy until
        // then, so the loop goes on with the other devices meanwhile.
        var devices: [String: (group: CallbackGroup, agents: Set<String>)] = [:]
        for request in interrupted {
            guard let callbackGroup = try? await store.read({ tx in try tx.callbackGroup(id: request.groupId) }) else { continue }
            let key = Self.key(callbackGroup.domainId, callbackGroup.device)
            devices[key, default: (callbackGroup, [])].agents.formUnion(request.agentDevice.map { [$0] } ?? [])
        }
        for (key, leftover) in devices {
            state.withLock { _ = $0.busyDevices.insert(key) }
            group.addTask {
                await self.clearLeftovers(leftover.group, agents: leftover.agents)
                _ = self.state.withLock { $0.busyDevices.remove(key) }
                self.doorbell.ring()
            }
        }
        for request in (try? await store.read({ tx in try tx.connectedCallbackRequests() })) ?? [] {
            state.withLock { _ = $0.running.insert(request.id) }
            group.addTask {
                await self.follow(request, restored: true)
                _ = self.state.withLock { $0.running.remove(request.id) }
            }
        }
    }

    /// Hangs up the calls an earlier run left at a callback device: waits for the PBX's snapshot of it (at most
    /// `monitorWait`: the link may take a while), clears the calls it shows, then waits (at most `snapshotWait`) until
    /// neither the device nor the agents those attempts rang show them, so that the next attempt finds them free.
    private func clearLeftovers(_ group: CallbackGroup, agents: Set<String>) async {
        guard await events.waitForLine(domainId: group.domainId, device: group.device, within: monitorWait, until: \.snapshotTaken),
            let calls = events.line(domainId: group.domainId, device: group.device)?.calls, !calls.isEmpty
        else { return }
        for call in calls { _ = try? await gateway.execute(.clear(call.ref), domainId: group.domainId) }
        let leftovers = Set(calls.map(\.callId))
        for device in [group.device] + agents.sorted() {
            _ = await events.waitForLine(domainId: group.domainId, device: device, within: snapshotWait) { line in
                line.snapshotTaken && !line.calls.contains { leftovers.contains($0.callId) }
            }
        }
    }

    // MARK: One attempt

    private enum Step {
        case answered(by: String?)
        case transferred
        case ended(CallbackReason)
        case cancelled
    }

    /// One double call for `request`; the outcome is stored and published.
    private func attempt(_ scheduled: CallbackRequest, group: CallbackGroup) async {
        var request = scheduled
        let time = now()
        if let notAfter = request.notAfter, notAfter <= time {
            await conclude(&request, group: group, .windowPassed, final: true)
            return
        }
        guard let target = await agentTarget(request, group: group) else {
            await conclude(&request, group: group, .agentBusy, final: false)
            return
        }
        let mailbox = CallEventMailbox()
        let deviceKey = Self.key(group.domainId, group.device)
        state.withLock { $0.mailboxes[deviceKey] = mailbox }
        defer { state.withLock { _ = $0.mailboxes.removeValue(forKey: deviceKey) } }

        request.attempts += 1
        request.agentDevice = target
        guard await save(&request, group: group, status: .callingAgent) else { return }
        let agentLeg: CallRef
        do {
            guard case .call(let ref) = try await gateway.execute(.makeCall(device: group.device, number: target), domainId: group.domainId) else {
                await conclude(&request, group: group, .pbxRefused, final: false)
                return
            }
            agentLeg = ref
        } catch {
            await conclude(&request, group: group, .pbxRefused, final: false)
            return
        }
        let noAnswer = Duration.seconds(group.noAnswerSeconds)
        switch await wait(mailbox, request: request.id, for: noAnswer, { event in
            guard event.callId == agentLeg.callId else { return nil }
            switch event.kind {
            case .established: return .answered(by: event.answeringDevice)
            case .failed: return .ended(event.cause == "busy" ? .agentBusy : .agentNoAnswer)
            case .connectionCleared: return .ended(.agentNoAnswer)
            default: return nil
            }
        }) {
        case .answered(let device):
            if let device, !device.isEmpty { request.agentDevice = device }
        case .ended(let reason):
            await hangUp([agentLeg], group: group)
            await conclude(&request, group: group, reason, final: false)
            return
        case .cancelled, .transferred:
            await hangUp([agentLeg], group: group)
            return
        case nil:
            await hangUp([agentLeg], group: group)
            await conclude(&request, group: group, .agentNoAnswer, final: false)
            return
        }

        guard await save(&request, group: group, status: .callingVisitor) else {
            await hangUp([agentLeg], group: group)
            return
        }
        let visitorLeg: CallRef
        do {
            guard case .call(let ref) = try await gateway.execute(.consult(agentLeg, to: request.dialled), domainId: group.domainId) else {
                await hangUp([agentLeg], group: group)
                await conclude(&request, group: group, .pbxRefused, final: false)
                return
            }
            visitorLeg = ref
        } catch {
            await hangUp([agentLeg], group: group)
            await conclude(&request, group: group, .pbxRefused, final: false)
            return
        }
        let agent = request.agentDevice
        switch await wait(mailbox, request: request.id, for: noAnswer, { event in
            if event.callId == visitorLeg.callId {
                switch event.kind {
                case .established: return .answered(by: event.answeringDevice)
                case .failed: return .ended(event.cause == "busy" ? .visitorBusy : .visitorNoAnswer)
                case .connectionCleared where event.connectionDevice != group.device: return .ended(.visitorNoAnswer)
                default: return nil
                }
            }
            // The agent hung up while the visitor's phone rang.
            if event.callId == agentLeg.callId, event.kind == .connectionCleared, event.connectionDevice == agent || event.localStateNull {
                return .ended(.agentHungUp)
            }
            return nil
        }) {
        case .answered:
            break
        case .ended(let reason):
            await hangUp([visitorLeg, agentLeg], group: group)
            await conclude(&request, group: group, reason, final: false)
            return
        case .cancelled, .transferred:
            await hangUp([visitorLeg, agentLeg], group: group)
            return
        case nil:
            await hangUp([visitorLeg, agentLeg], group: group)
            await conclude(&request, group: group, .visitorNoAnswer, final: false)
            return
        }

        do {
            _ = try await gateway.execute(.transfer(held: agentLeg, active: visitorLeg), domainId: group.domainId)
        } catch {
            await hangUp([visitorLeg, agentLeg], group: group)
            await conclude(&request, group: group, .pbxRefused, final: false)
            return
        }
        // The PBX names the call agent and visitor now share in its Transferred event; the agent's line shows it too.
        var callIds = [agentLeg.callId, visitorLeg.callId]
        var resulting: [String] = []
        _ = await wait(mailbox, request: nil, for: .seconds(2)) { event in
            guard event.kind == .transferred else { return nil }
            resulting = event.resultingConnections.map(\.callId)
            return .transferred
        }
        callIds += resulting
        if let agent, let line = events.line(domainId: group.domainId, device: agent) {
            callIds += line.calls.filter { $0.state == .connected }.map(\.callId)
        }
        request.agentCallId = Array(Set(callIds)).sorted().joined(separator: ",")
        request.connectedAt = now()
        request.reason = nil
        guard await save(&request, group: group, status: .connected) else { return }
        state.withLock { _ = $0.busyDevices.remove(deviceKey) }
        doorbell.ring()
        await follow(request, restored: false)
    }

    /// The device to call for the agent: the queue, or the first member (round robin from the last one tried) whose
    /// device is free; nil when every member is on the phone.
    private func agentTarget(_ request: CallbackRequest, group: CallbackGroup) async -> String? {
        if let queue = group.queue { return queue }
        let members = request.memberId.map { [$0] } ?? group.members
        guard !members.isEmpty,
            let devices = try? await store.read({ tx in try tx.devices(userIds: members) })
        else { return nil }
        let start = state.withLock { $0.nextMember[group.id ?? 0] ?? 0 }
        for offset in 0..<members.count {
            let index = (start + offset) % members.count
            // A member's first device, as a colleague rule rings it.
            guard let device = devices.filter({ $0.userId == members[index] }).min(by: { ($0.id ?? 0) < ($1.id ?? 0) }) else { continue }
            let line = events.line(domainId: group.domainId, device: device.number)
            if line?.calls.isEmpty ?? true {
                state.withLock { $0.nextMember[group.id ?? 0] = index + 1 }
                return device.number
            }
        }
        return nil
    }

    /// Reads events from `mailbox` until `decide` answers, `limit` passes (nil), or the request is cancelled or
    /// gone (looked at every half second; never for a nil `request`).
    private func wait(
        _ mailbox: CallEventMailbox,
        request id: String?,
        for limit: Duration,
        _ decide: (SwitchCallEvent) -> Step?
    ) async -> Step? {
        let deadline = ContinuousClock.now + limit
        var nextLook = ContinuousClock.now + .milliseconds(500)
        while ContinuousClock.now < deadline {
            for event in mailbox.take() {
                if let step = decide(event) { return step }
            }
            if let id, ContinuousClock.now >= nextLook {
                nextLook = ContinuousClock.now + .milliseconds(500)
                let current = try? await store.read { tx in try tx.callbackRequest(id: id) }
                if current?.status.isPending != true { return .cancelled }
            }
            do { try await Task.sleep(for: Self.poll) } catch { return .cancelled }
        }
        return nil
    }

    private func hangUp(_ legs: [CallRef], group: CallbackGroup) async {
        for leg in legs { _ = try? await gateway.execute(.clear(leg), domainId: group.domainId) }
    }

    // MARK: After the transfer

    /// Waits for the agent's call with the visitor to end, then marks the request completed. A restored request
    /// first gives the PBX's snapshot time to show the call.
    private func follow(_ connected: CallbackRequest, restored: Bool) async {
        var request = connected
        let ids = Set((request.agentCallId ?? "").split(separator: ",").map(String.init))
        guard let agent = request.agentDevice else { return }
        // The grace counts from the PBX's snapshot of the agent's device, not from the start: the link may take a while.
        if restored { _ = await events.waitForLine(domainId: request.domainId, device: agent, within: monitorWait, until: \.snapshotTaken) }
        var seenAt = ContinuousClock.now
        var grace: Duration = restored ? snapshotWait : .seconds(1)
        while !Task.isCancelled {
            if let line = events.line(domainId: request.domainId, device: agent), line.calls.contains(where: { ids.contains($0.callId) }) {
                seenAt = ContinuousClock.now
                grace = .milliseconds(300)
            } else if ContinuousClock.now - seenAt >= grace {
                break
            }
            do { try await Task.sleep(for: .milliseconds(200)) } catch { return }
        }
        let groupId = request.groupId
        guard let group = try? await store.read({ tx in try tx.callbackGroup(id: groupId) }) else {
            request.status = .completed
            request.completedAt = now()
            request.updatedAt = now()
            _ = try? await store.write { [request] tx in try tx.update(request) }
            return
        }
        request.completedAt = now()
        _ = await save(&request, group: group, status: .completed)
    }

    // MARK: Outcomes

    /// Ends an attempt: scheduled again after the group's spacing (at the next opening) while attempts remain and
    /// the reason is worth one, failed otherwise.
    private func conclude(_ request: inout CallbackRequest, group: CallbackGroup, _ reason: CallbackReason, final: Bool) async {
        let time = now()
        request.reason = reason
        request.agentDevice = nil
        var retryAt: Date?
        if !final, reason.retried, request.attempts < request.maxAttempts {
            let zone = (try? await store.read { tx in try tx.domain(id: group.domainId)?.zone }) ?? TimeZone(identifier: "UTC")!
            let earliest = time.addingTimeInterval(TimeInterval(group.retrySpacingSeconds))
            retryAt = group.hours.nextOpening(after: earliest, zone: zone)
            if let notAfter = request.notAfter, let at = retryAt, at >= notAfter { retryAt = nil }
        }
        if let retryAt {
            request.dueAt = retryAt
            _ = await save(&request, group: group, status: .scheduled)
        } else {
            _ = await save(&request, group: group, status: .failed)
        }
    }

    /// Stores the request with `status` unless it was cancelled or deleted meanwhile (false then), and publishes it.
    private func save(_ request: inout CallbackRequest, group: CallbackGroup, status: CallbackStatus) async -> Bool {
        request.status = status
        request.updatedAt = now()
        let saved = request
        let stored = try? await store.write { tx -> Bool in
            guard let current = try tx.callbackRequest(id: saved.id), current.status.isPending || current.status == .connected else { return false }
            try tx.update(saved)
            return true
        }
        guard stored == true else { return false }
        Self.publish(saved, group: group, to: publisher)
        return true
    }

    /// A request's status to the group's members (for a queue group: the users who see the queue), and to webhooks.
    static func publish(_ request: CallbackRequest, group: CallbackGroup, to publisher: any PushPublisher) {
        let audience: PushAudience = group.queue.map { .device($0) } ?? .users(Set(group.members))
        _ = publisher.publish(
            domainId: group.domainId,
            audience: audience,
            event: PushEvent(type: .callback, time: request.updatedAt, callback: CallbackEventPayload(request, groupName: group.name))
        )
    }
}

/// The call events of one callback device while an attempt runs there, filed by the PBX event path and read by the
/// attempt.
final class CallEventMailbox: Sendable {
    private let events = Mutex<[SwitchCallEvent]>([])

    func post(_ event: SwitchCallEvent) {
        events.withLock { events in
            // An attempt reads every 25 ms; a bound keeps a device flooded by its PBX from growing memory.
            if events.count < 1000 { events.append(event) }
        }
    }

    func take() -> [SwitchCallEvent] {
        events.withLock { events in
            defer { events.removeAll() }
            return events
        }
    }
}

import Foundation

/// Shared phone queues for their agents (admin guide 9.2.2, TWS Alerter): the queues a user may view with their agents
/// and waiting calls, and taking or diverting a waiting call.
///
/// A user views a queue when they, or one of their groups, hold its phone-queue right, and the queue is in the user's
/// own domain (7.4.5); the queue's agents are the users holding that right. Everything needs the TWS Alerter
/// application. A queue the user may not view answers 404 exactly like a missing one.
public struct PhoneQueueService: Sendable {
    let store: any TenantStore
    /// The PBX side: the links, or a stand-in in tests.
    let gateway: any SwitchGateway
    /// The call models: which calls wait at each queue device, and the agents' device presence.
    let events: CallEventPipeline
    let plans: DialingPlans
    /// Told of takes and diversions before they are sent, so their queue events say so.
    let observer: PhoneQueueObserver

    public init(store: any TenantStore, gateway: any SwitchGateway, events: CallEventPipeline, plans: DialingPlans, observer: PhoneQueueObserver) {
        self.store = store
        self.gateway = gateway
        self.events = events
        self.plans = plans
        self.observer = observer
    }

    /// A viewable queue with its agents as stored: users and their device numbers.
    private struct Roster: Sendable {
        var queue: PhoneQueue
        var agents: [(user: User, devices: [String])]
    }

    // MARK: - Viewing

    /// The queues `principal` may view, by id, each with its agents, and its waiting calls oldest first.
    public func queues(_ principal: UserPrincipal) async throws -> [PhoneQueueView] {
        let rosters = try await store.read { tx in
            try ApplicationAccess.require(.alerter, userId: principal.userId, tx)
            let queues = try Self.viewableQueues(principal, tx)
            return try Self.rosters(queues, domainId: principal.domainId, tx)
        }
        var views: [PhoneQueueView] = []
        for roster in rosters {
            let lines = events.lines(domainId: principal.domainId, devices: roster.agents.flatMap(\.devices))
            let agents = roster.agents.map { user, devices in
                let presences = devices.map { DevicePresencePayload(device: $0, presence: lines[$0]?.presence ?? .outOfService) }
                return PhoneQueueView.Agent(
                    userId: user.id ?? 0,
                    name: user.displayName,
                    devices: presences,
                    state: presences.map { PhoneQueueView.Agent.State($0.presence) }.min() ?? .outOfService
                )
            }
            var calls: [PhoneQueueView.WaitingCall] = []
            for call in waitingCalls(roster.queue, domainId: principal.domainId) {
                var name: String?
                if let number = call.peerNumber, !number.isEmpty, let callerNames = events.callerNames {
                    name = await callerNames.callerName(domainId: principal.domainId, device: call.device, number: number)
                }
                calls.append(
                    PhoneQueueView.WaitingCall(
                        callId: call.callId,
                        callerNumber: call.peerNumber ?? "",
                        callerName: name,
                        waitingSince: call.startedAt,
                        ringingAt: call.offered.sorted()
                    )
                )
            }
            views.append(PhoneQueueView(queue: roster.queue, agents: agents, calls: calls))
        }
        return views
    }

    // MARK: - Taking and diverting

    /// Takes a call waiting in a queue the user may view: the PBX sends it from the queue to the user's device
    /// (CSTA DeflectCall) and, once it rings there, answers it (CSTA AnswerCall).
    public func take(_ principal: UserPrincipal, queueId: Int64, callId: String, device: String?) async throws -> QueueCallTaken {
        try CallControl.checkCallId(callId)
        let (queue, own) = try await store.read { tx in
            try ApplicationAccess.require(.alerter, userId: principal.userId, tx)
            return (try Self.viewableQueue(queueId, principal, tx), try TelephonyVisibility.ownDevices(userId: principal.userId, tx))
        }
        let to = try CallControl.ownDevice(device, own)
        let waiting = try waitingCall(queue, callId: callId, domainId: principal.domainId)
        try await deflect(waiting, to: to, as: .taken, principal)
        // The PBX now rings the user's device; answer it there, as taking the call at the phone does. Should it not ring
        // within a few seconds (the device is busy or in DND), the call stays where the PBX put it.
        let deadline = ContinuousClock.now.advanced(by: .seconds(3))
        while ContinuousClock.now < deadline {
            let arrived = events.line(domainId: principal.domainId, device: to)?.calls.first { $0.callId == callId && $0.state == .alerting }
            if let arrived {
                let answered = (try? await gateway.execute(.answer(arrived.ref), domainId: principal.domainId)) != nil
                return QueueCallTaken(callId: callId, device: to, answered: answered)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        return QueueCallTaken(callId: callId, device: to, answered: false)
    }

    /// Sends a call waiting in a queue the user may view to `number`, after the domain's dialing plan (CSTA DeflectCall).
    public func divert(_ principal: UserPrincipal, queueId: Int64, callId: String, to number: String) async throws -> DialingResult {
        try CallControl.checkCallId(callId)
        let queue = try await store.read { tx in
            try ApplicationAccess.require(.alerter, userId: principal.userId, tx)
            return try Self.viewableQueue(queueId, principal, tx)
        }
        let plan = try await plans.plan(domainId: principal.domainId)
        let dialled = try CallControl.transform(plan, number)
        let waiting = try waitingCall(queue, callId: callId, domainId: principal.domainId)
        try await deflect(waiting, to: dialled.number, as: .diverted, principal)
        return dialled
    }

    // MARK: - Helpers

    /// Deflects the queue's connection to `target`, telling the observer first how the call's leaving is to be reported.
    private func deflect(_ call: LineCall, to target: String, as action: QueueEventPayload.Action, _ principal: UserPrincipal) async throws {
        observer.expect(domainId: principal.domainId, callId: call.callId, action, device: target)
        do {
            _ = try await gateway.execute(.deflect(call.ref, to: target), domainId: principal.domainId)
        } catch {
            observer.forget(domainId: principal.domainId, callId: call.callId)
            throw DomainError.pbx(error)
        }
    }

    /// The calls waiting at the queue's devices, oldest first.
    private func waitingCalls(_ queue: PhoneQueue, domainId: Int64) -> [LineCall] {
        let lines = events.lines(domainId: domainId, devices: queue.device.numbers)
        return queue.device.numbers.flatMap { lines[$0]?.calls ?? [] }.filter { $0.state == .queued }.sorted { $0.startedAt < $1.startedAt }
    }

    /// The queue's connection to `callId`; 409 `queue_call_not_waiting` when the call does not wait in it (any more).
    private func waitingCall(_ queue: PhoneQueue, callId: String, domainId: Int64) throws -> LineCall {
        guard let call = waitingCalls(queue, domainId: domainId).first(where: { $0.callId == callId }) else {
            throw DomainError.conflict(code: "queue_call_not_waiting", "This call is not waiting in the queue")
        }
        return call
    }

    /// The queues of the user's domain whose right the user or one of their groups holds (admin guide 7.4.5: never
    /// another domain's, even if an older right says so).
    static func viewableQueues(_ principal: UserPrincipal, _ tx: any StoreTransaction) throws -> [PhoneQueue] {
        let groups = Set(try tx.groupIds(ofUser: principal.userId))
        let granted = Set(
            try tx.authorizations(companyId: principal.companyId, objectTypes: [.phoneQueue])
                .filter {
                    ($0.granteeType == .user && $0.granteeId == principal.userId) || ($0.granteeType == .group && groups.contains($0.granteeId))
                }
                .compactMap(\.objectId)
        )
        return try tx.phoneQueues(domainId: principal.domainId).filter { granted.contains($0.id ?? -1) }
    }

    /// One viewable queue; 404 for a queue that is missing or that the user may not view.
    static func viewableQueue(_ queueId: Int64, _ principal: UserPrincipal, _ tx: any StoreTransaction) throws -> PhoneQueue {
        guard let queue = try viewableQueues(principal, tx).first(where: { $0.id == queueId }) else { throw DomainError.notFound("Phone queue") }
        return queue
    }

    /// Each queue's agents: the enabled users of the domain holding its right, directly or through a group.
    private static func rosters(_ queues: [PhoneQueue], domainId: Int64, _ tx: any StoreTransaction) throws -> [Roster] {
        guard !queues.isEmpty else { return [] }
        let grants = try tx.authorizations(companyId: queues[0].companyId, objectTypes: [.phoneQueue])
        let users = try tx.enabledUsers(domainId: domainId)
        let devices = Dictionary(grouping: try tx.devices(userIds: users.compactMap(\.id)), by: \.userId)
        return try queues.map { queue in
            let holders = grants.filter { $0.objectId == queue.id }
            var ids = Set(holders.filter { $0.granteeType == .user }.map(\.granteeId))
            let groups = holders.filter { $0.granteeType == .group }.map(\.granteeId)
            if !groups.isEmpty { ids.formUnion(try tx.memberIds(ofGroups: groups)) }
            let agents = users.filter { ids.contains($0.id ?? -1) }.map { user in
                (user: user, devices: (devices[user.id ?? -1] ?? []).map(\.number).sorted())
            }
            return Roster(queue: queue, agents: agents)
        }
    }
}

import Foundation
import Synchronization

/// The PBX event path (DESIGN "How data flows" 2): a switch event → the domain's call model → push events (incoming
/// callers named) and, for calls that ended, call-log lines queued to the writer. It also holds the call models that
/// commands and line views read.
///
/// It needs nothing of the PBX side, so the links are built after it and hand it their events.
public final class CallEventPipeline: Sendable {
    let publisher: any PushPublisher
    let callLogs: CallLogWriter
    let plans: DialingPlans
    /// Names callers of incoming calls in events (reverse lookup in the directories).
    let callerNames: (any CallerNameResolver)?
    /// Renders the Alerter card pushed after each incoming call's `delivered` event.
    let alerterCards: AlerterCards?
    /// Pushes missed calls on intercom lines to their supervisors.
    private let missedCalls: MissedCallAlerts
    /// Turns what happens at phone-queue devices into queue events and supervision alerts.
    let queues: PhoneQueueObserver?
    /// Boss/secretary (admin guide 9.1.7): the secretaries' copy of a boss's call events, named for them.
    let secretaries: SecretaryNaming?
    /// How long call models wait before cleaning up what the PBX left unsaid (failed calls, silent calls, link loss).
    private let callTiming: CallModel.Timing
    private let now: @Sendable () -> Date
    private let models = Mutex<[Int64: CallModel]>([:])
    /// Capabilities that act on what happens at devices (forwarding rules, PBX forwarding sync, forward verification),
    /// attached once the PBX side they command exists.
    private let observers = Mutex<[any CallEventObserver]>([])
    /// Forwarding the server set itself (simple rules), so its echo from the PBX is not taken for the telephone's.
    public let issuedForwarding = IssuedForwarding()

    public init(
        publisher: any PushPublisher,
        callLogs: CallLogWriter,
        plans: DialingPlans,
        callerNames: (any CallerNameResolver)? = nil,
        alerterCards: AlerterCards? = nil,
        queues: PhoneQueueObserver? = nil,
        secretaries: SecretaryNaming? = nil,
        callTiming: CallModel.Timing = CallModel.Timing(),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.publisher = publisher
        self.callLogs = callLogs
        self.plans = plans
        self.callerNames = callerNames
        self.alerterCards = alerterCards
        self.missedCalls = MissedCallAlerts(publisher: publisher, store: plans.store, callerNames: callerNames)
        self.queues = queues
        self.secretaries = secretaries
        self.callTiming = callTiming
        self.now = now
    }

    /// Adds an observer of every PBX event and what the call model made of it (called while the server is built).
    public func attach(_ observer: any CallEventObserver) {
        observers.withLock { $0.append(observer) }
    }

    /// Applies one PBX event: call model, call logs of finished calls, push events. Called in PBX order per link.
    public func handle(domainId: Int64, _ event: SwitchEvent) async {
        let time = now()
        if case .link(let linkId, let connected, let reason) = event {
            publisher.publish(
                domainId: domainId,
                audience: .domain,
                event: PushEvent(
                    type: .link,
                    time: time,
                    link: LinkStatePayload(linkId: linkId, domainId: domainId, connected: connected, reason: reason)
                )
            )
            await notify(event, CallModelOutput(), domainId: domainId, time: time)
            return
        }
        // A domain whose plan cannot be read shows numbers as the PBX sent them.
        let plan = try? await plans.plan(domainId: domainId)
        let timing = callTiming
        let output = models.withLock { models in
            // Mutated in place: copying the model out and back would copy every line of the domain on each event.
            models[domainId, default: CallModel(timing: timing)].apply(event, at: time) { number in
                guard let shown = plan?.reverse(number).number, !shown.isEmpty else { return number }
                return shown
            }
        }
        await publish(output, domainId: domainId, time: time)
        await notify(event, output, domainId: domainId, time: time)
    }

    /// Tells the observers, in the order they were attached.
    private func notify(_ event: SwitchEvent?, _ output: CallModelOutput, domainId: Int64, time: Date) async {
        for observer in observers.withLock({ $0 }) {
            await observer.observe(event, output, domainId: domainId, time: time)
        }
    }

    /// Cleans up every domain's calls (failed calls leaving their line, calls of a link that stayed down) and asks
    /// `gateway` about calls the PBX has been silent about for too long. Called every second by the server.
    public func sweepCalls(asking gateway: any SwitchGateway) async {
        let time = now()
        let outputs = models.withLock { models in
            models.keys.sorted().map { domainId in (domainId, models[domainId]!.sweep(at: time)) }
        }
        for (domainId, output) in outputs {
            await publish(output, domainId: domainId, time: time)
            await notify(nil, output, domainId: domainId, time: time)
            // The answer comes back as a snapshot event, in order with the device's other events.
            for device in output.devicesToCheck { _ = try? await gateway.execute(.snapshot(device: device), domainId: domainId) }
        }
    }

    /// The current line of `device` in `domainId` (nil when never seen).
    public func line(domainId: Int64, device: String) -> DeviceLine? {
        models.withLock { $0[domainId]?.line(device) }
    }

    /// Waits until `device`'s line satisfies `condition`: true then, false after `limit` or when the task is cancelled.
    /// After a restart the link may take a while (a slow PBX, a busy machine): what was in progress is judged from
    /// the PBX's snapshot, not from the time the server started.
    public func waitForLine(domainId: Int64, device: String, within limit: Duration, until condition: (DeviceLine) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while !(line(domainId: domainId, device: device).map(condition) ?? false) {
            guard ContinuousClock.now < deadline else { return false }
            do { try await Task.sleep(for: .milliseconds(50)) } catch { return false }
        }
        return true
    }

    /// The current lines of `devices` in `domainId`, read together.
    func lines(domainId: Int64, devices: some Sequence<String>) -> [String: DeviceLine] {
        models.withLock { models in
            var lines: [String: DeviceLine] = [:]
            for number in devices { lines[number] = models[domainId]?.line(number) }
            return lines
        }
    }

    /// A MakeCall the PBX refused: a `failed` call event and an unanswered outgoing call-log line with the CSTA error as
    /// its cause, so the user's history shows the attempt (no PBX event will ever tell of it).
    func recordRefusedCall(domainId: Int64, device: String, number: String, cause: String) {
        let time = now()
        let callId = "refused-\(UUID().uuidString.prefix(8).lowercased())"
        publisher.publish(
            domainId: domainId,
            audience: .device(device),
            event: PushEvent(
                type: .call,
                time: time,
                call: CallEventPayload(
                    event: SwitchCallEvent.Kind.failed.rawValue,
                    callId: callId,
                    device: device,
                    state: .failed,
                    direction: .outgoing,
                    peerNumber: number,
                    cause: cause
                )
            )
        )
        let attempt = FinishedCall(
            device: device,
            callId: callId,
            direction: .outgoing,
            peerNumber: number,
            startedAt: time,
            answeredAt: nil,
            endedAt: time,
            cause: cause
        )
        callLogs.enqueue([attempt], domainId: domainId, time: time)
    }

    /// A boss's call event, a second time for their secretaries (`PushAudience.secretaries`), named for them.
    private func publishToSecretaries(_ event: PushEvent, audience: PushAudience, domainId: Int64) async {
        guard let secretaries, event.call != nil, case .device(let device) = audience,
            let copy = await secretaries.secretariesEvent(event, device: device, domainId: domainId)
        else { return }
        publisher.publish(domainId: domainId, audience: .secretaries(device), event: copy)
    }

    /// Publishes a call model's push events (naming incoming callers, with the screen-pop data and the Alerter card of
    /// a call that starts ringing) and queues the call logs of finished calls.
    private func publish(_ output: CallModelOutput, domainId: Int64, time: Date) async {
        for (audience, var event) in output.events {
            guard var call = event.call, call.direction == .incoming, let peer = call.peerNumber, !peer.isEmpty else {
                publisher.publish(domainId: domainId, audience: audience, event: event)
                await publishToSecretaries(event, audience: audience, domainId: domainId)
                continue
            }
            let identity = await callerNames?.callerIdentity(domainId: domainId, device: call.device, number: peer)
            call.peerName = identity?.name
            // A call offered to the device (ringing, or waiting in its queue): what a client pops a card with.
            let offered = call.event == SwitchCallEvent.Kind.delivered.rawValue || call.event == SwitchCallEvent.Kind.queued.rawValue
            if offered {
                call.caller = ScreenPopCaller(number: peer, identity: identity)
                if let callerNames, let from = call.lastRedirection?.number {
                    call.lastRedirection = await callerNames.redirection(domainId: domainId, device: call.device, from: from)
                }
            }
            event.call = call
            publisher.publish(domainId: domainId, audience: audience, event: event)
            await publishToSecretaries(event, audience: audience, domainId: domainId)
            if offered, call.state == .alerting, let alerterCards, let caller = call.caller,
                let (userId, card) = await alerterCards.card(
                    domainId: domainId,
                    device: call.device,
                    callId: call.callId,
                    caller: caller,
                    identity: identity,
                    redirection: call.lastRedirection
                )
            {
                publisher.publish(domainId: domainId, audience: .user(userId), event: PushEvent(type: .alerter, time: event.time, alerter: card))
            }
        }
        callLogs.enqueue(output.finished, domainId: domainId, time: time)
        await missedCalls.publish(output.finished, domainId: domainId, time: time)
        await queues?.observe(output, domainId: domainId, time: time)
    }
}

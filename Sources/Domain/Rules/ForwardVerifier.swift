import Foundation
import Synchronization

/// TRANSFERVERIFICATION (admin guide 9.6.2): checks that calls forwarded by rules (and by PBX forwards) are answered,
/// and falls back to EMERGENCYNUMBER, tried EMERGENCYNUMBERCALLTIMES times, when they are not.
///
/// Design. A deflected call cannot be taken back by the server once it rings elsewhere, so verification needs a party
/// the server controls: a Rules resource device (admin guide 9.5, "virtual device resources … for the Rules
/// application"), the device the expert Rules parameter `ResourceDevice` names, monitored like any device of the domain.
/// - Rule forwards (the engine): with verification on and a resource configured, `deflectTarget` answers the resource,
///   the engine deflects the call there and tells `forwarded`. When the call is `delivered` at the resource the
///   verifier answers it (AnswerCall), then consults the real destination (ConsultationCall, the caller held):
///   answered within WAITTIMENOREPLY → the transfer is completed (`rule_applied` outcome `answered`); busy, invalid
///   (failed) or not answered in time → the consultation is cleared (`not_answered`) and EMERGENCYNUMBER (through the
///   dialing plan) is consulted the same way, EMERGENCYNUMBERCALLTIMES times (`emergency` with `attempt` each time);
///   when every attempt failed the caller's call is cleared (`failed`). Without a resource the call goes straight to
///   the destination and is watched there like a PBX forward.
/// - PBX forwards: when the PBX diverts a call away from a user's device (a `diverted` event with a `callForward…`
///   cause) to a monitored device, the call is watched there: still ringing after WAITTIMENOREPLYPBX, it is deflected
///   to the resource (if configured), which runs the emergency attempts, else straight to EMERGENCYNUMBER (one attempt).
/// - The parameters are the forwarding user's (the resource's owner for a call nobody announced).
/// - State is in memory only: after a restart a call already answered at the resource stays there until its caller
///   hangs up, and a watch that was running is not resumed. A call delivered at a resource without a pending
///   verification (announced before the restart) is answered and given the emergency attempts, so it is not left
///   ringing at a device nobody answers.
///
/// `observe` (on the PBX event path) only queues work; `run`, a Service of the server's group, does it, one child task
/// per call.
public final class ForwardVerifier: CallEventObserver, Sendable {
    /// One verification: whose forward it is and where the call should go.
    struct Verification: Sendable {
        var userId: Int64?
        var ruleId: Int64?
        var ruleName: String?
        var type: ForwardingKind?
        /// The call as the user's device saw it (the rule_applied event's call and device).
        var callId: String
        var device: String
        var callerNumber: String?
        /// The real destination, consulted first; nil when only the emergency attempts are left.
        var destination: String?
        var announcedAt: Date
    }

    enum Job: Sendable {
        /// A call `delivered` at a resource device.
        case atResource(domainId: Int64, callId: String, resource: String, Verification?)
        /// A call forwarded to `destination` (a monitored device), to check after `wait` seconds.
        case watch(domainId: Int64, callId: String, destination: String, Verification, pbx: Bool)
    }

    enum Attempt {
        case answered(CallRef)
        case unanswered(String)
        case callerGone
    }

    let store: any TenantStore
    let gateway: any SwitchGateway
    let events: CallEventPipeline
    let plans: DialingPlans
    let publisher: any PushPublisher
    /// How often calls' states are looked at while waiting for an answer.
    let pollInterval: Duration
    /// Calls announced to a resource, waiting for their `delivered` there, by "domain|resource".
    private let pending = Mutex<[String: [Verification]]>([:])
    /// Calls being verified ("domain|call"), so that one is never handled twice.
    private let handling = Mutex<Set<String>>([])
    /// The resource devices of each domain, with the configuration version they were read at.
    private let resources = Mutex<[Int64: (version: UInt64, devices: Set<String>)]>([:])
    private let stream: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation

    public init(
        store: any TenantStore,
        gateway: any SwitchGateway,
        events: CallEventPipeline,
        plans: DialingPlans,
        publisher: any PushPublisher,
        pollInterval: Duration = .milliseconds(50)
    ) {
        self.store = store
        self.gateway = gateway
        self.events = events
        self.plans = plans
        self.publisher = publisher
        self.pollInterval = pollInterval
        (stream, continuation) = AsyncStream.makeStream(of: Job.self)
    }

    /// Where the rule engine deflects a call that a rule of `userId` forwards to `destination` (a dialled number): a
    /// resource device when verification needs one, `destination` otherwise.
    public func deflectTarget(domainId: Int64, userId: Int64, destination: String) async -> String {
        guard let parameters = try? await parameters(userId: userId), parameters.verification else { return destination }
        let resource = parameters.resourceDevice
        return resource.isEmpty || resource == destination ? destination : resource
    }

    /// The rule engine deflected `callId` from `device` to `target` (for `destination`) by `rule` of `userId`.
    public func forwarded(
        domainId: Int64,
        userId: Int64,
        rule: ForwardingRule,
        callId: String,
        from device: String,
        destination: String,
        target: String
    ) async {
        guard let parameters = try? await parameters(userId: userId), parameters.verification else { return }
        let caller = events.line(domainId: domainId, device: device)?.calls.first { $0.callId == callId }?.peerNumber
        let verification = Verification(
            userId: userId,
            ruleId: rule.id,
            ruleName: rule.name,
            type: rule.action.type,
            callId: callId,
            device: device,
            callerNumber: caller,
            destination: destination,
            announcedAt: Date()
        )
        if target != destination {
            announce(verification, domainId: domainId, resource: target)
        } else {
            continuation.yield(.watch(domainId: domainId, callId: callId, destination: target, verification, pbx: false))
        }
    }

    public func observe(_ event: SwitchEvent?, _ output: CallModelOutput, domainId: Int64, time: Date) async {
        guard case .call(let call) = event else { return }
        switch call.kind {
        case .delivered where (call.alertingDevice ?? call.device) == call.device && call.localState != .connected:
            guard await isResource(domainId: domainId, device: call.device) else { return }
            let verification = take(domainId: domainId, resource: call.device, callId: call.callId, oldest: false, at: time)
            continuation.yield(.atResource(domainId: domainId, callId: call.callId, resource: call.device, verification))
        case .diverted where call.device == call.divertingDevice && (call.cause ?? "").hasPrefix("callForward"):
            // admin guide 9.6.2: PBX forwards are verified too, after WAITTIMENOREPLYPBX.
            guard let destination = call.newDestination, events.line(domainId: domainId, device: destination)?.monitored == true else { return }
            let verification = Verification(
                callId: call.callId,
                device: call.device,
                callerNumber: call.callingDevice,
                destination: destination,
                announcedAt: time
            )
            continuation.yield(.watch(domainId: domainId, callId: call.callId, destination: destination, verification, pbx: true))
        default:
            return
        }
    }

    /// Does the queued work until `finish`, then stops the verifications still running.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for await job in stream {
                group.addTask { await self.perform(job) }
            }
            group.cancelAll()
        }
    }

    public func finish() {
        continuation.finish()
    }

    // MARK: - Announced calls

    private func announce(_ verification: Verification, domainId: Int64, resource: String) {
        pending.withLock { $0["\(domainId)|\(resource)", default: []].append(verification) }
    }

    /// Whether `device` is named by some `ResourceDevice` value of the domain's company (any level), read once per
    /// configuration version.
    private func isResource(domainId: Int64, device: String) async -> Bool {
        let version = store.configurationVersion
        if let known = resources.withLock({ $0[domainId] }), known.version == version { return known.devices.contains(device) }
        let devices = (try? await store.read { tx -> Set<String> in
            guard let domain = try tx.domain(id: domainId) else { return [] }
            let values = try tx.parameterValues(application: .rules, name: "ResourceDevice").filter { $0.companyId == domain.companyId }.map(\.value)
            let fallback = ParameterCatalogue.all.first { $0.application == .rules && $0.name == "ResourceDevice" }?.defaultValue ?? ""
            return Set(values + [fallback]).filter { !$0.isEmpty }
        }) ?? []
        resources.withLock { $0[domainId] = (version, devices) }
        return devices.contains(device)
    }

    /// The verification announced for `callId` at `resource`, or (`oldest`) the oldest one announced there within 30 s,
    /// for a PBX that gave the deflected call a new id.
    private func take(domainId: Int64, resource: String, callId: String, oldest: Bool, at time: Date) -> Verification? {
        pending.withLock { pending in
            let key = "\(domainId)|\(resource)"
            var waiting = pending[key] ?? []
            waiting.removeAll { time.timeIntervalSince($0.announcedAt) > 30 }
            defer { pending[key] = waiting.isEmpty ? nil : waiting }
            guard let index = waiting.firstIndex(where: { $0.callId == callId }) ?? (oldest ? waiting.indices.first : nil) else { return nil }
            return waiting.remove(at: index)
        }
    }

    /// The verification of a call delivered at `resource` before it was announced: the engine tells `forwarded` once
    /// its deflect is answered, which may come after the PBX's event. Waits a second for it, then takes the oldest one
    /// announced there, else gives the call the emergency attempts alone (one announced before a restart).
    private func announced(domainId: Int64, resource: String, callId: String) async -> Verification {
        let deadline = ContinuousClock.now.advanced(by: .seconds(1))
        while ContinuousClock.now < deadline {
            if let found = take(domainId: domainId, resource: resource, callId: callId, oldest: false, at: Date()) { return found }
            do { try await Task.sleep(for: pollInterval) } catch { break }
        }
        return take(domainId: domainId, resource: resource, callId: callId, oldest: true, at: Date())
            ?? Verification(callId: callId, device: resource, destination: nil, announcedAt: Date())
    }

    // MARK: - Work

    private func perform(_ job: Job) async {
        switch job {
        case .atResource(let domainId, let callId, let resource, let verification):
            guard claim(domainId, callId) else { return }
            defer { release(domainId, callId) }
            let found: Verification
            if let verification { found = verification } else { found = await announced(domainId: domainId, resource: resource, callId: callId) }
            await verifyAtResource(domainId: domainId, callId: callId, resource: resource, found)
        case .watch(let domainId, let callId, let destination, let verification, let pbx):
            guard claim(domainId, "\(callId)@\(destination)") else { return }
            defer { release(domainId, "\(callId)@\(destination)") }
            await watch(domainId: domainId, callId: callId, at: destination, verification, pbx: pbx)
        }
    }

    private func claim(_ domainId: Int64, _ callId: String) -> Bool {
        handling.withLock { $0.insert("\(domainId)|\(callId)").inserted }
    }

    private func release(_ domainId: Int64, _ callId: String) {
        _ = handling.withLock { $0.remove("\(domainId)|\(callId)") }
    }

    /// Answers the call at the resource, consults the destination, then the emergency number.
    private func verifyAtResource(domainId: Int64, callId: String, resource: String, _ verification: Verification) async {
        guard let parameters = try? await parameters(userId: verification.userId, domainId: domainId, device: resource) else { return }
        guard let ringing = await waitCall(domainId, resource, callId, { $0.state == .alerting }),
            (try? await gateway.execute(.answer(ringing.ref), domainId: domainId)) != nil,
            let answered = await waitCall(domainId, resource, callId, { $0.state == .connected })
        else { return }
        let held = answered.ref
        if let destination = verification.destination {
            switch await attempt(domainId, held: held, number: destination, wait: parameters.waitNoReply) {
            case .answered(let consultation):
                await complete(domainId, held: held, consultation: consultation, verification, destination: destination)
                return
            case .callerGone:
                return
            case .unanswered(let reason):
                push(domainId, verification, .notAnswered, destination: destination, reason: reason)
            }
        }
        guard !parameters.emergencyNumber.isEmpty else {
            _ = try? await gateway.execute(.clear(held), domainId: domainId)
            push(domainId, verification, .failed, reason: "no EMERGENCYNUMBER")
            return
        }
        for number in 1...parameters.emergencyTimes {
            // admin guide 9.6.2: each attempt is a new call to EMERGENCYNUMBER.
            push(domainId, verification, .emergency, destination: parameters.emergencyNumber, attempt: number)
            switch await attempt(domainId, held: held, number: parameters.emergencyNumber, wait: parameters.waitNoReply) {
            case .answered(let consultation):
                await complete(domainId, held: held, consultation: consultation, verification, destination: parameters.emergencyNumber)
                return
            case .callerGone:
                return
            case .unanswered:
                continue
            }
        }
        _ = try? await gateway.execute(.clear(held), domainId: domainId)
        push(domainId, verification, .failed, destination: parameters.emergencyNumber, reason: "nobody answered")
    }

    /// One consultation call from the resource to `number` (through the dialing plan), waited for `wait` seconds.
    private func attempt(_ domainId: Int64, held: CallRef, number: String, wait: Int) async -> Attempt {
        guard let plan = try? await plans.plan(domainId: domainId), let dialled = try? plan.transform(number).number else {
            return .unanswered("invalid")
        }
        let consultation: CallRef
        do {
            guard case .call(let call) = try await gateway.execute(.consult(held, to: dialled), domainId: domainId) else { return .unanswered("invalid") }
            consultation = call
        } catch {
            return callerPresent(domainId, held) ? .unanswered("invalid") : .callerGone
        }
        let started = ContinuousClock.now
        let deadline = started.advanced(by: .seconds(wait))
        var reason = "no_answer"
        var seen = false
        while ContinuousClock.now < deadline {
            guard callerPresent(domainId, held) else {
                _ = try? await gateway.execute(.clear(consultation), domainId: domainId)
                return .callerGone
            }
            let line = events.line(domainId: domainId, device: held.device)
            let call = line?.calls.first { $0.callId == consultation.callId }
            if let call, call.answeredAt != nil, call.state == .connected { return .answered(call.ref) }
            if let call, call.state == .failed {
                reason = call.cause ?? "failed"
                break
            }
            // Gone after it was seen (refused, then cleared), or never seen at all: the destination is invalid.
            if call == nil, seen || ContinuousClock.now > started.advanced(by: .seconds(2)) {
                reason = "failed"
                break
            }
            seen = seen || call != nil
            do { try await Task.sleep(for: pollInterval) } catch { break }
        }
        _ = try? await gateway.execute(.clear(consultation), domainId: domainId)
        // The consultation's end reaches the line before the next attempt starts.
        _ = await waitCall(domainId, held.device, consultation.callId, { _ in false }, timeout: .seconds(2))
        return .unanswered(reason)
    }

    private func complete(_ domainId: Int64, held: CallRef, consultation: CallRef, _ verification: Verification, destination: String) async {
        let heldRef = events.line(domainId: domainId, device: held.device)?.calls.first { $0.callId == held.callId }?.ref ?? held
        do {
            _ = try await gateway.execute(.transfer(held: heldRef, active: consultation), domainId: domainId)
            push(domainId, verification, .answered, destination: destination)
        } catch {
            push(domainId, verification, .failed, destination: destination, reason: "transfer refused")
        }
    }

    /// A call forwarded to a monitored device: still ringing after the wait, it goes to the resource or the emergency
    /// number.
    private func watch(domainId: Int64, callId: String, at destination: String, _ verification: Verification, pbx: Bool) async {
        var verification = verification
        if verification.userId == nil {
            let device = verification.device
            verification.userId = (try? await store.read { tx in try tx.device(domainId: domainId, number: device)?.userId }) ?? nil
            guard verification.userId != nil else { return }
        }
        guard let parameters = try? await parameters(userId: verification.userId, domainId: domainId, device: verification.device),
            parameters.verification
        else { return }
        do {
            try await Task.sleep(for: .seconds(pbx ? parameters.waitNoReplyPBX : parameters.waitNoReply))
        } catch {
            return
        }
        guard let ringing = events.line(domainId: domainId, device: destination)?.calls.first(where: { $0.callId == callId && $0.state == .alerting })
        else { return }
        push(domainId, verification, .notAnswered, destination: destination)
        let resource = parameters.resourceDevice
        if !resource.isEmpty && resource != destination {
            var remaining = verification
            remaining.destination = nil
            remaining.announcedAt = Date()
            announce(remaining, domainId: domainId, resource: resource)
            if (try? await gateway.execute(.deflect(ringing.ref, to: resource), domainId: domainId)) != nil { return }
        }
        guard !parameters.emergencyNumber.isEmpty, let plan = try? await plans.plan(domainId: domainId),
            let dialled = try? plan.transform(parameters.emergencyNumber).number
        else {
            push(domainId, verification, .failed, reason: "no EMERGENCYNUMBER")
            return
        }
        push(domainId, verification, .emergency, destination: parameters.emergencyNumber, attempt: 1)
        if (try? await gateway.execute(.deflect(ringing.ref, to: dialled), domainId: domainId)) == nil {
            push(domainId, verification, .failed, destination: parameters.emergencyNumber, reason: "deflect refused")
        }
    }

    // MARK: - Helpers

    private func callerPresent(_ domainId: Int64, _ held: CallRef) -> Bool {
        events.line(domainId: domainId, device: held.device)?.calls.contains { $0.callId == held.callId && $0.state != .failed } == true
    }

    /// Waits until the line of `device` has `callId` in a state `holds` accepts (nil after `timeout`, or when the call
    /// left the line once it was seen).
    private func waitCall(
        _ domainId: Int64,
        _ device: String,
        _ callId: String,
        _ holds: (LineCall) -> Bool,
        timeout: Duration = .seconds(5)
    ) async -> LineCall? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            guard let call = events.line(domainId: domainId, device: device)?.calls.first(where: { $0.callId == callId }) else { return nil }
            if holds(call) { return call }
            do { try await Task.sleep(for: pollInterval) } catch { return nil }
        }
        return nil
    }

    private func push(
        _ domainId: Int64,
        _ verification: Verification,
        _ outcome: RuleAppliedPayload.Outcome,
        destination: String? = nil,
        attempt: Int? = nil,
        reason: String? = nil
    ) {
        guard let userId = verification.userId else { return }
        let payload = RuleAppliedPayload(
            ruleId: verification.ruleId,
            ruleName: verification.ruleName,
            callId: verification.callId,
            device: verification.device,
            callerNumber: verification.callerNumber,
            type: verification.type,
            destination: destination,
            outcome: outcome,
            attempt: attempt,
            reason: reason
        )
        publisher.publish(domainId: domainId, audience: .user(userId), event: PushEvent(type: .ruleApplied, time: Date(), ruleApplied: payload))
    }

    private func parameters(userId: Int64) async throws -> RuleParameters? {
        try await store.read { tx in try tx.user(id: userId).map { try RuleParameters(user: $0, tx) } }
    }

    /// The user's parameters, or those of `device`'s owner (the resource's) when no user is known.
    private func parameters(userId: Int64?, domainId: Int64, device: String) async throws -> RuleParameters? {
        try await store.read { tx in
            let owner = try userId ?? tx.device(domainId: domainId, number: device)?.userId
            return try owner.flatMap { try tx.user(id: $0) }.map { try RuleParameters(user: $0, tx) }
        }
    }
}

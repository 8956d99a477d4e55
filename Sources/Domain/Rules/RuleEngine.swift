import Foundation

/// Runs users' forwarding rules on their calls (admin guide 9.6): when a call is delivered to a user's device, the
/// user's active rules are tried in order (`RuleEvaluator`, first match wins), and the rule that fires deflects the
/// call through CSTA at once (immediate, busy) or after `WAITTIMENOREPLY` seconds if it still rings then (no answer).
///
/// It watches the PBX event path as a `CallEventObserver` (which only queues work: a deflection waits for the PBX, whose
/// answer arrives on the link whose events are waiting) and works in its own loop, `run()`, a Service of the server.
/// Every decision is stored (`RuleExecution`) before it is acted on, so a restart re-arms no-answer timers and never
/// forwards a call twice, and the call log of a forwarded call can name the rule. Each action is pushed to the rule's
/// user as `rule_applied`.
public final class RuleEngine: CallEventObserver, Sendable {
    /// What the engine knows of one user to run their rules, kept while the configuration version stays the same.
    struct Setup: Sendable {
        var userId: Int64
        var companyId: Int64
        /// The rules the server runs for the user, in the order they are tried.
        var rules: [ForwardingRule]
        /// `WAITTIMENOREPLY`, in seconds.
        var waitSeconds: Int
        /// `CIRCULARLEVEL` (0: no check).
        var circularLevel: Int
        /// `vmNumber` (Caller), as the user would dial it.
        var voicemail: String
        var zone: TimeZone
        /// Some rule looks at who the caller is in the directories (directory, VIP, unknown): the engine then looks
        /// the caller up, which it spares every other call.
        var needsIdentity: Bool
        /// The domain's directories by name, to turn where a caller was found into directory ids.
        var directories: [String: Int64]
    }

    /// A call delivered to a device.
    struct Delivery: Sendable {
        var domainId: Int64
        var device: String
        var callId: String
        var callerNumber: String
        var time: Date
    }

    let store: any TenantStore
    let gateway: any SwitchGateway
    let publisher: any PushPublisher
    let events: CallEventPipeline
    let plans: DialingPlans
    let callerNames: (any CallerNameResolver)?
    let verifier: ForwardVerifier?
    /// Users' calendar readings, for the `calendar` presence condition (issue 21); nil: never in an event.
    let calendar: CalendarBoard?
    let now: @Sendable () -> Date
    /// How long a timer restored after a restart waits for the call model to learn the ringing call from the PBX's
    /// snapshot (taken when the device's monitor starts again) before it takes the call for gone.
    let snapshotWait: Duration
    /// How long a restored timer waits for the PBX's snapshot of the device before that (a slow link).
    let monitorWait: Duration
    /// Decisions older than this are forgotten.
    static let retention: TimeInterval = 24 * 3600
    private let owners = VersionedCache<String, Int64?>()
    private let setups = VersionedCache<Int64, Setup?>()
    private let queue: AsyncStream<Delivery>.Continuation
    private let deliveries: AsyncStream<Delivery>

    public init(
        store: any TenantStore,
        gateway: any SwitchGateway,
        publisher: any PushPublisher,
        events: CallEventPipeline,
        plans: DialingPlans,
        callerNames: (any CallerNameResolver)?,
        verifier: ForwardVerifier? = nil,
        calendar: CalendarBoard? = nil,
        snapshotWait: Duration = .seconds(10),
        monitorWait: Duration = .seconds(120),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.calendar = calendar
        self.monitorWait = monitorWait
        self.store = store
        self.gateway = gateway
        self.publisher = publisher
        self.events = events
        self.plans = plans
        self.callerNames = callerNames
        self.verifier = verifier
        self.snapshotWait = snapshotWait
        self.now = now
        (deliveries, queue) = AsyncStream.makeStream(of: Delivery.self)
    }

    // MARK: The PBX event path

    /// Queues every incoming call that starts ringing at a device; nothing else happens here.
    public func observe(_ event: SwitchEvent?, _ output: CallModelOutput, domainId: Int64, time: Date) async {
        var seen: Set<String> = []
        for (_, pushed) in output.events {
            guard let call = pushed.call, call.event == SwitchCallEvent.Kind.delivered.rawValue, call.state == .alerting,
                call.direction == .incoming, seen.insert(call.callId + "|" + call.device).inserted
            else { continue }
            queue.yield(Delivery(domainId: domainId, device: call.device, callId: call.callId, callerNumber: call.peerNumber ?? "", time: time))
        }
    }

    // MARK: The loop

    /// Forgets old decisions, re-arms the no-answer timers a previous run left, then handles deliveries until
    /// `finish()`. Each call is handled in a task of its own (a no-answer rule's task waits for its timer); they end
    /// with the loop, their timers kept in the store for the next run.
    public func run() async {
        await withDiscardingTaskGroup { group in
            await prune()
            let waiting = (try? await store.read { tx in try tx.waitingRuleExecutions() }) ?? []
            for execution in waiting {
                group.addTask { await self.resume(execution, restored: true) }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(3600))
                    await self.prune()
                }
            }
            for await delivery in deliveries {
                group.addTask { await self.deliver(delivery) }
            }
            group.cancelAll()
        }
    }

    /// Stops taking deliveries; `run()` returns, cancelling the timers (they stay stored).
    public func finish() {
        queue.finish()
    }

    private func prune() async {
        let before = now().addingTimeInterval(-Self.retention)
        _ = try? await store.write { tx in try tx.deleteRuleExecutions(before: before) }
    }

    // MARK: Deciding

    /// Runs the device owner's rules on a delivered call, unless a decision was already taken for it (a restart, a
    /// repeated event).
    private func deliver(_ delivery: Delivery) async {
        let version = store.configurationVersion
        guard let userId = await owner(domainId: delivery.domainId, device: delivery.device, version: version),
            let setup = await setup(userId: userId, domainId: delivery.domainId, version: version), !setup.rules.isEmpty,
            let line = events.line(domainId: delivery.domainId, device: delivery.device),
            line.calls.contains(where: { $0.callId == delivery.callId && $0.state == .alerting })
        else { return }
        let plan = try? await plans.plan(domainId: delivery.domainId)
        var identity: CallerIdentity?
        if setup.needsIdentity, let callerNames, !delivery.callerNumber.isEmpty {
            identity = await callerNames.callerIdentity(domainId: delivery.domainId, device: delivery.device, number: delivery.callerNumber)
        }
        var directories: Set<Int64> = []
        if let identity {
            directories.insert(identity.card.directoryId)
            for name in identity.foundIn { if let id = setup.directories[name] { directories.insert(id) } }
        }
        // Busy: the device is already in another call (ringing calls do not count: call waiting offers them all).
        let busy = line.calls.contains { $0.callId != delivery.callId && [.connected, .held, .initiated].contains($0.state) }
        let presence = (try? await store.read { tx in try RulePresence.current(userId: userId, at: delivery.time, tx) }) ?? .offline
        let context = RuleCallContext(
            callerNumber: delivery.callerNumber,
            callerIsInternal: plan?.reverse(delivery.callerNumber).isInternal ?? false,
            callerDirectories: directories,
            callerIsVip: identity?.card.vip ?? false,
            presence: presence,
            inCalendarEvent: calendar?.inEvent(userId: userId, at: delivery.time) ?? false,
            deviceBusy: busy,
            time: delivery.time,
            timeZone: setup.zone
        )
        guard let rule = RuleEvaluator.evaluate(setup.rules, context).fired else { return }
        let waits = rule.action.type == .noAnswer
        let decided = try? await store.write { tx -> RuleExecution? in
            // One decision per call and device: the unique key makes a second one a conflict, checked first.
            guard try tx.ruleExecution(domainId: delivery.domainId, callId: delivery.callId, device: delivery.device) == nil else { return nil }
            let execution = RuleExecution(
                domainId: delivery.domainId,
                callId: delivery.callId,
                device: delivery.device,
                userId: userId,
                ruleId: rule.id,
                ruleName: rule.name,
                type: rule.action.type,
                stage: .waitingNoAnswer,
                deadline: waits ? delivery.time.addingTimeInterval(TimeInterval(setup.waitSeconds)) : nil,
                callerNumber: delivery.callerNumber.isEmpty ? nil : delivery.callerNumber,
                createdAt: delivery.time
            )
            return try tx.insert(waits ? execution : try self.decide(execution, rule: rule, setup: setup, version: version, tx))
        }
        guard let execution = decided else { return }
        if waits {
            await resume(execution, restored: false)
        } else {
            await act(execution)
        }
    }

    /// Waits for a no-answer timer, then forwards the call if it still rings at the device.
    private func resume(_ waiting: RuleExecution, restored: Bool) async {
        let delay = (waiting.deadline ?? now()).timeIntervalSince(now())
        if delay > 0 {
            do { try await Task.sleep(for: .milliseconds(Int64(delay * 1000))) } catch { return }
        }
        // After a restart the call model learns the ringing call from the snapshot taken when the device's monitor
        // starts again: wait for that snapshot (and a while more), rather than take the call for gone.
        var ringing = isRinging(waiting)
        if !ringing && restored {
            _ = await events.waitForLine(domainId: waiting.domainId, device: waiting.device, within: monitorWait, until: \.snapshotTaken)
            let deadline = ContinuousClock.now.advanced(by: snapshotWait)
            while !ringing && ContinuousClock.now < deadline {
                do { try await Task.sleep(for: .milliseconds(50)) } catch { return }
                ringing = isRinging(waiting)
            }
        }
        let version = store.configurationVersion
        guard ringing, let setup = await setup(userId: waiting.userId, domainId: waiting.domainId, version: version) else {
            await record(waiting, stage: .cancelled)
            return
        }
        let decided = try? await store.write { tx -> RuleExecution? in
            // Read again: another run (or a duplicate timer) may have acted meanwhile.
            guard var execution = try tx.ruleExecution(domainId: waiting.domainId, callId: waiting.callId, device: waiting.device),
                execution.stage == .waitingNoAnswer
            else { return nil }
            let rule = try execution.ruleId.flatMap { try tx.forwardingRule(id: $0) }
            guard let rule else {
                execution.stage = .cancelled
                try tx.update(execution)
                return nil
            }
            execution = try self.decide(execution, rule: rule, setup: setup, version: version, tx)
            try tx.update(execution)
            return execution
        }
        guard let execution = decided else { return }
        await act(execution)
    }

    /// Where the rule sends the call (after the dialing plan) and whether it may: `forwarded` with its destination,
    /// `loopPrevented` with the chain it would close, or `failed` when there is nowhere to send it.
    private func decide(
        _ execution: RuleExecution,
        rule: ForwardingRule,
        setup: Setup,
        version: UInt64,
        _ tx: any StoreTransaction
    ) throws
        -> RuleExecution
    {
        var execution = execution
        let plan = try plans.plan(domainId: execution.domainId, version: version, tx)
        let destination: String?
        switch rule.action.destination.kind {
        case .number:
            destination = rule.action.destination.number.flatMap { try? plan.transform($0).number }
        case .colleague:
            // The colleague's first device, where their own rules run in turn.
            let colleague = try rule.action.destination.userId.flatMap { try tx.user(id: $0) }
            destination =
                colleague?.companyId == setup.companyId ? try tx.devices(userId: colleague?.id ?? 0).map(\.number).sorted().first : nil
        case .voicemail:
            destination = setup.voicemail.isEmpty ? nil : try? plan.transform(setup.voicemail).number
        }
        guard let destination, !destination.isEmpty else {
            execution.stage = .failed
            execution.reason = rule.action.destination.kind == .voicemail ? "no voicemail number (vmNumber)" : "no destination to forward to"
            return execution
        }
        execution.destination = destination
        // The devices this call went through by rules, this one last (admin guide 9.6.2, CIRCULARLEVEL at run time).
        let earlier = try tx.ruleExecutions(domainId: execution.domainId, callId: execution.callId)
            .filter { $0.stage == .forwarded && $0.device != execution.device }.map(\.device)
        let chain = earlier + [execution.device]
        execution.chain = chain
        if setup.circularLevel > 0, let start = chain.firstIndex(of: destination), chain.count - start <= setup.circularLevel {
            execution.stage = .loopPrevented
            execution.chain = Array(chain[start...]) + [destination]
            return execution
        }
        execution.stage = .forwarded
        return execution
    }

    // MARK: Acting

    /// Carries out a decision: deflects a call to forward (a refusal is stored as `failed`), and tells the rule's user.
    private func act(_ decided: RuleExecution) async {
        var execution = decided
        if execution.stage == .forwarded, let destination = execution.destination {
            let ringing = events.line(domainId: execution.domainId, device: execution.device)?.calls.first {
                $0.callId == execution.callId && $0.state == .alerting
            }
            if let ringing {
                let target =
                    await verifier?.deflectTarget(domainId: execution.domainId, userId: execution.userId, destination: destination) ?? destination
                do {
                    _ = try await gateway.execute(.deflect(ringing.ref, to: target), domainId: execution.domainId)
                    if let verifier, let ruleId = execution.ruleId, let rule = try? await store.read({ tx in try tx.forwardingRule(id: ruleId) }) {
                        await verifier.forwarded(
                            domainId: execution.domainId,
                            userId: execution.userId,
                            rule: rule,
                            callId: execution.callId,
                            from: execution.device,
                            destination: destination,
                            target: target
                        )
                    }
                } catch {
                    execution.stage = .failed
                    execution.reason = Self.reason(error)
                }
            } else {
                // Answered or gone between the decision and now: nothing was forwarded.
                execution.stage = .cancelled
            }
            if execution.stage != .forwarded { await record(execution, stage: execution.stage, reason: execution.reason) }
        }
        let outcome: RuleAppliedPayload.Outcome
        switch execution.stage {
        case .forwarded: outcome = .forwarded
        case .loopPrevented: outcome = .loopPrevented
        case .failed: outcome = .failed
        case .waitingNoAnswer, .cancelled: return
        }
        publisher.publish(
            domainId: execution.domainId,
            audience: .user(execution.userId),
            event: PushEvent(
                type: .ruleApplied,
                time: now(),
                ruleApplied: RuleAppliedPayload(
                    ruleId: execution.ruleId,
                    ruleName: execution.ruleName,
                    callId: execution.callId,
                    device: execution.device,
                    callerNumber: execution.callerNumber,
                    type: execution.type,
                    destination: execution.destination,
                    outcome: outcome,
                    chain: execution.stage == .loopPrevented ? execution.chain : nil,
                    reason: execution.reason
                )
            )
        )
    }

    /// Stores a decision's new stage.
    private func record(_ execution: RuleExecution, stage: RuleExecution.Stage, reason: String? = nil) async {
        _ = try? await store.write { tx in
            guard var stored = try tx.ruleExecution(domainId: execution.domainId, callId: execution.callId, device: execution.device) else { return }
            stored.stage = stage
            stored.reason = reason
            try tx.update(stored)
        }
    }

    private func isRinging(_ execution: RuleExecution) -> Bool {
        events.line(domainId: execution.domainId, device: execution.device)?.calls.contains {
            $0.callId == execution.callId && $0.state == .alerting
        } ?? false
    }

    /// The PBX's reason for refusing, as the contract's `reason` shows it (`invalidDestination`, …).
    static func reason(_ error: any Error) -> String {
        if let error = error as? SwitchError, case .rejected(_, let value) = error { return value }
        return String(describing: error)
    }

    // MARK: What the engine reads

    /// The user who owns `device`, read once per configuration version.
    private func owner(domainId: Int64, device: String, version: UInt64) async -> Int64? {
        let key = "\(domainId)|\(device)"
        if let cached = owners.cached(key, version: version) { return cached }
        guard let found = try? await store.read({ tx in try tx.device(domainId: domainId, number: device)?.userId }) else { return nil }
        owners.keep(found, for: key, version: version)
        return found
    }

    /// What running `userId`'s rules needs, read once per configuration version; nil for a user with no rules the
    /// server runs.
    private func setup(userId: Int64, domainId: Int64, version: UInt64) async -> Setup? {
        if let cached = setups.cached(userId, version: version) { return cached }
        guard
            let setup = try? await store.read({ tx in try Self.setup(userId: userId, domainId: domainId, tx) })
        else { return nil }
        setups.keep(setup, for: userId, version: version)
        return setup
    }

    static func setup(userId: Int64, domainId: Int64, _ tx: any StoreTransaction) throws -> Setup? {
        guard let user = try tx.user(id: userId), user.enabled, let domain = try tx.domain(id: user.domainId) else { return nil }
        let definitions = ParameterCatalogue.all.filter { $0.application == .rules || ($0.application == .caller && $0.name == "vmNumber") }
        let parameters = try ParameterResolver().resolve(definitions, for: user, in: tx)
        func value(_ name: String) -> String? { parameters.first { $0.name == name }?.value }
        // Advanced rules need TWS Rules (admin guide 9.6); simple rules are the PBX's forwarding unless CreateOnlyRUL
        // makes the server run them too.
        let holdsRules = try ApplicationAccess.holds(.rules, user: user, tx)
        let createOnly = value("CreateOnlyRUL") == "true"
        let rules = try EffectiveRules.of(userId: userId, tx).filter { rule in
            guard rule.active else { return false }
            switch rule.kind {
            case .advanced: return holdsRules
            case .simple: return createOnly
            }
        }
        let needsIdentity = rules.contains { rule in
            guard let match = rule.conditions?.origin?.match else { return false }
            return match == .directory || match == .vip || match == .unknown
        }
        var directories: [String: Int64] = [:]
        if needsIdentity {
            for directory in try tx.directories(domainId: domainId) { if let id = directory.id { directories[directory.name] = id } }
        }
        return Setup(
            userId: userId,
            companyId: user.companyId,
            rules: rules,
            waitSeconds: Int(value("WAITTIMENOREPLY") ?? "") ?? 15,
            circularLevel: Int(value("CIRCULARLEVEL") ?? "") ?? 2,
            voicemail: value("vmNumber") ?? "",
            zone: domain.zone,
            needsIdentity: needsIdentity,
            directories: directories
        )
    }
}

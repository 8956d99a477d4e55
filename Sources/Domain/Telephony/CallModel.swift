import Foundation

/// The calls and connections of one domain's monitored devices, rebuilt from PBX events (DESIGN "How data flows" 2).
///
/// A value type with no I/O: the event pipeline (`CallEventPipeline`) feeds it events and acts on its output, tests feed it scripts.
/// Each monitored party of a call gets its own copy of every event from the PBX, so the model updates one device per
/// event: the one the event was reported to. What the device's own connection does is read from the event's
/// `localConnectionInfo` first (ECMA-269 6.1: the monitored device's state after the event), and from the event's
/// device fields (already reduced to numbers by the link) only when the PBX does not send it.
public struct CallModel: Sendable {
    /// How long the model waits before it cleans up what the PBX left unsaid.
    public struct Timing: Sendable, Equatable {
        /// A failed call stays on the line this long (the user sees why), then leaves it and is logged.
        public var failedLinger: TimeInterval
        /// A call still `initiated` (or placed and never reported) this long is checked with a snapshot.
        public var initiatedCheck: TimeInterval
        /// An unanswered call (ringing, queued, ringback) silent this long is checked with a snapshot.
        public var unansweredCheck: TimeInterval
        /// An answered call silent this long is checked with a snapshot.
        public var answeredCheck: TimeInterval
        /// Calls of a device whose link is down end (cause `link_lost`) when no snapshot has vouched for them after this.
        public var linkLossGrace: TimeInterval

        public init(
            failedLinger: TimeInterval = 4,
            initiatedCheck: TimeInterval = 10,
            unansweredCheck: TimeInterval = 120,
            answeredCheck: TimeInterval = 3600,
            linkLossGrace: TimeInterval = 60
        ) {
            self.failedLinger = failedLinger
            self.initiatedCheck = initiatedCheck
            self.unansweredCheck = unansweredCheck
            self.answeredCheck = answeredCheck
            self.linkLossGrace = linkLossGrace
        }
    }

    public private(set) var lines: [String: DeviceLine] = [:]
    public var timing: Timing

    public init(timing: Timing = Timing()) {
        self.timing = timing
    }

    public func line(_ number: String) -> DeviceLine? { lines[number] }

    /// - Parameter incomingNumber: how a caller's number is shown and logged (the domain's reverse dialing plan, 5);
    ///   outgoing peers stay as dialled.
    public mutating func apply(
        _ event: SwitchEvent,
        at now: Date,
        incomingNumber: (String) -> String = { $0 }
    ) -> CallModelOutput {
        var output = CallModelOutput()
        switch event {
        case .call(let call):
            applyCall(call, now: now, incomingNumber: incomingNumber, into: &output)
        case .forwarding(let device, let setting):
            update(device, now: now, into: &output) { line, output in
                line.forwarding[setting.kind] = setting.enabled ? (setting.destination ?? "") : nil
            }
            output.events.append(
                (
                    .device(device),
                    PushEvent(
                        type: .forwarding,
                        time: now,
                        forwarding: ForwardingPayload(
                            device: device,
                            kind: setting.kind.rawValue,
                            enabled: setting.enabled,
                            destination: setting.destination
                        )
                    )
                )
            )
        case .doNotDisturb(let device, let enabled):
            update(device, now: now, into: &output) { line, _ in line.doNotDisturb = enabled }
        case .messageWaiting(let device, let waiting, _):
            // The PBX may repeat a state (the answer to the gateway's question, then an event): push changes only.
            guard lines[device]?.messageWaiting != waiting else { break }
            update(device, now: now, into: &output) { line, _ in line.messageWaiting = waiting }
            output.events.append(
                (.owner(device), PushEvent(type: .messageWaiting, time: now, messageWaiting: MessageWaitingPayload(device: device, waiting: waiting)))
            )
        case .monitored(let device, let monitored):
            update(device, now: now, into: &output) { line, output in
                line.monitored = monitored
                line.snapshotTaken = false
                // The link is down: nothing is known until a snapshot says which calls survived.
                if !monitored {
                    for index in line.calls.indices where line.calls[index].suspendedAt == nil { line.calls[index].suspendedAt = now }
                }
            }
        case .released(let device):
            guard lines[device] != nil else { break }
            update(device, now: now, into: &output) { line, output in
                line.monitored = false
                line.snapshotTaken = false
                for call in line.calls { Self.end(call, in: &line, cause: "monitor_stopped", now: now, into: &output) }
            }
        case .snapshot(let device, let entries):
            update(device, now: now, into: &output) { line, output in
                line.monitored = true
                line.snapshotTaken = true
                Self.reconcile(&line, with: entries, now: now, into: &output)
            }
        case .placed(let call, let number):
            // A MakeCall answer: unless an event already brought the call (or it came and went), it starts here.
            guard lines[call.device]?.index(of: call.callId) == nil, lines[call.device]?.ended.contains(call.callId) != true else { break }
            update(call.device, now: now, into: &output) { line, output in
                var placed = LineCall(
                    callId: call.callId,
                    device: call.device,
                    state: .initiated,
                    direction: .outgoing,
                    peerNumber: number,
                    startedAt: now,
                    connectionDevice: call.connectionDevice
                )
                placed.parties = [number]
                line.calls.append(placed)
            }
        case .link:
            break
        }
        return output
    }

    /// Cleans up what the PBX left unsaid: failed calls leave their line after `failedLinger`; calls of a link that
    /// stayed down past the grace end with `link_lost`; calls silent for too long are listed in `devicesToCheck`.
    public mutating func sweep(at now: Date) -> CallModelOutput {
        var output = CallModelOutput()
        var check: Set<String> = []
        for (number, line) in lines where !line.calls.isEmpty {
            var due: [(LineCall, String?)] = []
            for call in line.calls {
                if let failedAt = call.failedAt, now.timeIntervalSince(failedAt) >= timing.failedLinger {
                    due.append((call, call.cause))
                } else if let suspendedAt = call.suspendedAt {
                    if now.timeIntervalSince(suspendedAt) >= timing.linkLossGrace { due.append((call, "link_lost")) }
                } else if line.monitored, isSilent(call, now: now) {
                    check.insert(number)
                }
            }
            if !due.isEmpty {
                update(number, now: now, into: &output) { line, output in
                    for (call, cause) in due { Self.end(call, in: &line, cause: cause, now: now, into: &output) }
                }
            }
        }
        for number in check.sorted() {
            // One check per silence: the answer (or the next event) resets the clock.
            for index in lines[number]!.calls.indices where isSilent(lines[number]!.calls[index], now: now) {
                lines[number]!.calls[index].checkedAt = now
            }
        }
        output.devicesToCheck = check.sorted()
        return output
    }

    /// Whether the PBX has been silent about `call` for longer than its state allows (since the last event or check).
    private func isSilent(_ call: LineCall, now: Date) -> Bool {
        let since = now.timeIntervalSince(max(call.lastEventAt, call.checkedAt ?? call.lastEventAt))
        if call.state == .initiated { return since >= timing.initiatedCheck }
        return since >= (call.answeredAt == nil ? timing.unansweredCheck : timing.answeredCheck)
    }

    /// Runs `change` on a line (created unmonitored if new) and publishes its presence if it changed.
    private mutating func update(
        _ device: String,
        now: Date,
        into output: inout CallModelOutput,
        _ change: (inout DeviceLine, inout CallModelOutput) -> Void
    ) {
        var line = lines[device] ?? DeviceLine(number: device)
        let before = lines[device]?.presence ?? .outOfService
        change(&line, &output)
        lines[device] = line
        let after = line.presence
        if after != before {
            output.events.append(
                (.device(device), PushEvent(type: .devicePresence, time: now, devicePresence: DevicePresencePayload(device: device, presence: after)))
            )
        }
    }

    /// A snapshot's truth: calls it lists go on (their state updated), calls it does not list have ended, and calls the
    /// model did not know join the line (a failed connection is left out: it is no call the user can act on).
    private static func reconcile(_ line: inout DeviceLine, with entries: [SnapshotEntry], now: Date, into output: inout CallModelOutput) {
        let listed = Dictionary(entries.map { ($0.callId, $0) }, uniquingKeysWith: { first, _ in first })
        for call in line.calls where listed[call.callId] == nil {
            // A call that vanished while the link was down ended then; one the PBX forgot without a word has too.
            let cause = call.suspendedAt != nil ? "link_lost" : (call.failedAt != nil ? call.cause : "no_longer_reported")
            Self.end(call, in: &line, cause: cause, now: now, into: &output)
        }
        for entry in entries where entry.state != .cleared && entry.state != .failed {
            if let index = line.index(of: entry.callId) {
                var call = line.calls[index]
                call.state = entry.state
                call.suspendedAt = nil
                call.lastEventAt = now
                call.connectionDevice = entry.connectionDevice ?? call.connectionDevice
                // Answered while nobody was watching: the snapshot is the first we hear of it.
                if entry.state == .connected, call.answeredAt == nil, call.direction == .incoming { call.answeredAt = now }
                line.calls[index] = call
            } else if !line.ended.contains(entry.callId) {
                line.calls.append(
                    LineCall(
                        callId: entry.callId,
                        device: line.number,
                        state: entry.state,
                        direction: nil,
                        peerNumber: nil,
                        startedAt: now,
                        answeredAt: entry.state == .connected || entry.state == .held ? now : nil,
                        connectionDevice: entry.connectionDevice
                    )
                )
            }
        }
    }

    /// Takes `call` off `line`: a `cleared` event for the device, and a finished call for the log (unless the call was
    /// only offered here and answered elsewhere).
    private static func end(_ call: LineCall, in line: inout DeviceLine, cause: String?, now: Date, into output: inout CallModelOutput) {
        guard let index = line.index(of: call.callId) else { return }
        line.calls.remove(at: index)
        line.remember(call.callId)
        var cleared = call
        cleared.state = .cleared
        cleared.cause = cause
        output.events.append((.device(line.number), Self.pushEvent("cleared", cleared, cause: cause, now: now)))
        if let finished = Self.finish(call, cause: cause, now: now) { output.finished.append(finished) }
    }

    private mutating func applyCall(
        _ event: SwitchCallEvent,
        now: Date,
        incomingNumber: (String) -> String,
        into output: inout CallModelOutput
    ) {
        let device = event.device
        let existing = lines[device].flatMap { line in
            // A Transfered event names the primary old call; the device may be in the secondary (consultation) one.
            line.index(of: event.callId) ?? (event.kind == .transferred ? event.secondaryCallId.flatMap(line.index(of:)) : nil)
        }
        // Events about a call the device has no part in leave no trace: a second ConnectionCleared for a call it
        // already left, a call forwarded away before it rang, another party leaving a call the device never had.
        if existing == nil {
            switch event.kind {
            case .connectionCleared, .diverted, .transferred, .held, .retrieved: return
            default: if lines[device]?.ended.contains(event.callId) == true { return }
            }
        }
        var reported: (LineCall, String?)?
        update(device, now: now, into: &output) { line, output in
            line.monitored = true
            var call =
                existing.map { line.calls[$0] }
                ?? LineCall(callId: event.callId, device: device, state: .initiated, direction: nil, peerNumber: nil, startedAt: now)
            let before = call.callId
            call.lastEventAt = now
            call.suspendedAt = nil
            if let leaves = Self.advance(&call, by: event, now: now, incomingNumber: incomingNumber) {
                // Leaving a call the device was never seen in leaves no trace.
                guard let existing else { return }
                line.calls[existing] = call
                // A transfer can end two of the device's calls at once: the held one and the consultation.
                if event.kind == .transferred, let secondary = event.secondaryCallId, let other = line.index(of: secondary),
                    line.calls[other].callId != call.callId
                {
                    Self.end(line.calls[other], in: &line, cause: leaves, now: now, into: &output)
                }
                Self.end(call, in: &line, cause: leaves, now: now, into: &output)
                return
            }
            if let existing {
                line.calls[existing] = call
            } else {
                line.calls.append(call)
            }
            if before != call.callId { line.remember(before) }
            reported = (call, event.cause)
        }
        if let (call, cause) = reported {
            output.events.append((.device(device), Self.pushEvent(event.kind.rawValue, call, cause: cause, now: now)))
        }
    }

    /// Applies one event to the device's view of the call. Returns the cause to end the call with when the device's
    /// conversation is over (its own connection cleared, or it was left alone in the call), nil while it goes on.
    private static func advance(
        _ call: inout LineCall,
        by event: SwitchCallEvent,
        now: Date,
        incomingNumber: (String) -> String
    ) -> String?? {
        let device = event.device
        let local = event.localState
        let own = event.connectionDevice == device
        if own, let raw = event.connectionRaw, raw != device { call.connectionDevice = raw }
        // The PBX says the device's connection is gone (`null`): whatever the event, its part in the call is over.
        if event.localStateNull { return .some(call.failedAt != nil ? call.cause : nil) }
        func join(_ numbers: String?...) {
            for number in numbers { if let number, number != device { call.parties.insert(number) } }
        }
        // Who diverted the call here (forwarding, deflection, a hunt group): the incoming-call card shows them.
        if let redirecting = event.lastRedirectionDevice, !redirecting.isEmpty, redirecting != device,
            [.delivered, .queued, .established].contains(event.kind)
        {
            call.redirectedFrom = incomingNumber(redirecting)
        }
        switch event.kind {
        case .serviceInitiated:
            call.direction = .outgoing
            call.state = .initiated
        case .originated:
            call.direction = call.direction ?? .outgoing
            call.peerNumber = event.calledDevice ?? call.peerNumber
            call.state = .connected
            join(event.calledDevice)
        case .delivered:
            // This device rings (its own connection alerting), or it is the calling side hearing ringback (connected).
            let aboutThisDevice = own || event.alertingDevice == device
            if aboutThisDevice || local == .alerting {
                call.direction = call.direction ?? .incoming
                call.peerNumber = event.callingDevice.map(incomingNumber) ?? call.peerNumber
                call.state = .alerting
                join(event.callingDevice)
                // The same call ringing at a colleague too (hunt group): someone offered it, not a party.
                if !aboutThisDevice, let other = event.alertingDevice ?? event.connectionDevice, other != device { call.offered.insert(other) }
            } else {
                call.direction = call.direction ?? .outgoing
                if call.state == .initiated { call.state = .connected }
                if call.direction == .outgoing {
                    call.peerNumber = event.alertingDevice ?? event.calledDevice ?? call.peerNumber
                    join(event.alertingDevice)
                } else if let other = event.alertingDevice, other != device {
                    call.offered.insert(other)
                }
            }
        case .established:
            // Answered here, or by the party this device is calling (or by another party offered the same call).
            if call.direction == nil { call.direction = event.answeringDevice == device || own ? .incoming : .outgoing }
            // Without a local state: the device answered itself, or it is the calling side and its party answered.
            let answeredHere = local.map { $0 == .connected } ?? (event.answeringDevice == device || own || call.direction == .outgoing)
            if call.direction == .incoming {
                call.peerNumber = call.peerNumber ?? event.callingDevice.map(incomingNumber)
            } else {
                call.peerNumber = event.answeringDevice ?? call.peerNumber
            }
            join(event.answeringDevice, event.callingDevice)
            if answeredHere {
                call.state = .connected
                call.answeredAt = call.answeredAt ?? now
            } else if call.direction == .incoming, call.answeredAt == nil {
                call.answeredElsewhere = true
            }
        case .connectionCleared:
            if own { return .some(call.failedAt != nil ? call.cause : nil) }
            // Another party left: the conversation is over for this device when nobody else is left in it (a colleague
            // who was only offered the call leaving ends nothing).
            let leaver = event.connectionDevice ?? event.releasingDevice
            if let leaver, call.offered.contains(leaver), !call.parties.contains(leaver) {
                call.offered.remove(leaver)
            } else {
                if let leaver { call.parties.remove(leaver) }
                if call.parties.isEmpty { return .some(call.failedAt != nil ? call.cause : nil) }
            }
        case .held:
            if own || event.holdingDevice == device, local == nil { call.state = .held }
        case .retrieved:
            if own || event.retrievingDevice == device, local == nil { call.state = .connected }
        case .transferred:
            if event.transferringDevice == device { return .some(nil) }
            // The call lives on under the resulting call id, with the parties the transfer joined.
            let resulting = event.resultingConnections
            if let mine = resulting.first(where: { $0.device == device }) {
                call.callId = mine.callId
                if let raw = mine.connectionDevice, raw != device { call.connectionDevice = raw }
            } else if let first = resulting.first {
                call.callId = first.callId
            }
            let others = resulting.map(\.device).filter { $0 != device && $0 != event.transferringDevice }
            if !others.isEmpty { call.parties = Set(others) }
            if let transferring = event.transferringDevice { call.parties.remove(transferring) }
            join(event.transferredToDevice == device ? nil : event.transferredToDevice)
            call.peerNumber =
                others.first ?? (event.transferredToDevice == device ? event.callingDevice : event.transferredToDevice) ?? call.peerNumber
            if local == nil { call.state = .connected }
        case .diverted:
            if event.divertingDevice == device || own { return .some(nil) }
            if let diverting = event.divertingDevice { call.parties.remove(diverting) }
            join(event.newDestination)
            if call.direction == .outgoing { call.peerNumber = event.newDestination ?? call.peerNumber }
        case .failed:
            // This device's attempt failed (its connection is `fail`); another party failing changes nothing here.
            let failedHere = local.map { $0 == .failed } ?? (own || event.callingDevice == device)
            if failedHere {
                call.direction = call.direction ?? .outgoing
                call.state = .failed
                call.failedAt = now
                call.cause = event.cause
            }
        case .queued:
            if event.queue == device {
                call.direction = .incoming
                call.state = .queued
                call.peerNumber = event.callingDevice.map(incomingNumber) ?? call.peerNumber
                join(event.callingDevice)
            } else {
                join(event.queue)
            }
        }
        if let local {
            call.state = local
            if local != .failed { call.failedAt = nil }
        }
        return nil
    }

    /// The push event of `call` at its device after `event`.
    private static func pushEvent(_ event: String, _ call: LineCall, cause: String?, now: Date) -> PushEvent {
        PushEvent(
            type: .call,
            time: now,
            call: CallEventPayload(
                event: event,
                callId: call.callId,
                device: call.device,
                state: call.state,
                direction: call.direction,
                peerNumber: call.peerNumber,
                lastRedirection: call.redirectedFrom.map { ScreenPopParty(number: $0) },
                cause: cause
            )
        )
    }

    /// The call-log material of a call that ended at its device; nil for a call only offered here and answered elsewhere.
    private static func finish(_ call: LineCall, cause: String?, now: Date) -> FinishedCall? {
        if call.answeredElsewhere, call.answeredAt == nil { return nil }
        return FinishedCall(
            device: call.device,
            callId: call.callId,
            direction: call.direction ?? .incoming,
            peerNumber: call.peerNumber,
            startedAt: call.startedAt,
            answeredAt: call.answeredAt,
            endedAt: now,
            cause: cause
        )
    }
}

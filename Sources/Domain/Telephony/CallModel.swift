import Foundation

/// One device's part in one call, as the call model tracks it.
public struct LineCall: Codable, Sendable, Equatable {
    public var callId: String
    public var device: String
    public var state: ConnectionState
    public var direction: CallDirection?
    /// The other party, as the PBX reported it.
    public var peerNumber: String?
    public var startedAt: Date
    public var answeredAt: Date?

    public init(
        callId: String,
        device: String,
        state: ConnectionState,
        direction: CallDirection?,
        peerNumber: String?,
        startedAt: Date,
        answeredAt: Date? = nil
    ) {
        self.callId = callId
        self.device = device
        self.state = state
        self.direction = direction
        self.peerNumber = peerNumber
        self.startedAt = startedAt
        self.answeredAt = answeredAt
    }
}

/// A monitored device's line: its calls, do-not-disturb and forwarding.
public struct DeviceLine: Sendable, Equatable {
    public var number: String
    public var monitored: Bool
    public var doNotDisturb: Bool
    public var forwarding: [ForwardingKind: String]
    /// The device's calls, oldest first.
    public var calls: [LineCall]

    public init(
        number: String,
        monitored: Bool = false,
        doNotDisturb: Bool = false,
        forwarding: [ForwardingKind: String] = [:],
        calls: [LineCall] = []
    ) {
        self.number = number
        self.monitored = monitored
        self.doNotDisturb = doNotDisturb
        self.forwarding = forwarding
        self.calls = calls
    }

    /// What colleagues see: calls first (ringing beats busy beats held), then DND, then forwarding.
    public var presence: TelephonyPresence {
        guard monitored else { return .outOfService }
        let states = Set(calls.map(\.state))
        if states.contains(.alerting) || states.contains(.queued) { return .ringing }
        if states.contains(.connected) || states.contains(.initiated) || states.contains(.failed) { return .busy }
        if states.contains(.held) { return .held }
        if doNotDisturb { return .doNotDisturb }
        if forwarding[.immediate] != nil { return .forwarded }
        return .idle
    }

    func index(of callId: String) -> Int? { calls.firstIndex { $0.callId == callId } }
}

/// A device's part in a call that has ended: what a call-log entry is written from.
public struct FinishedCall: Sendable, Equatable {
    public var device: String
    public var callId: String
    public var direction: CallDirection
    public var peerNumber: String?
    public var startedAt: Date
    public var answeredAt: Date?
    public var endedAt: Date

    /// Incoming calls that were never answered at this device are missed.
    public var kind: CallLogKind {
        switch direction {
        case .outgoing: .outgoing
        case .incoming: answeredAt == nil ? .missed : .incoming
        }
    }
}

/// What applying one PBX event produced: push events to publish and calls that ended.
public struct CallModelOutput: Sendable {
    public var events: [(audience: PushAudience, event: PushEvent)] = []
    public var finished: [FinishedCall] = []
}

/// The calls and connections of one domain's monitored devices, rebuilt from PBX events (DESIGN "How data flows" 2).
///
/// A value type with no I/O: the telephony service feeds it events and acts on its output, tests feed it scripts.
/// Each monitored party of a call gets its own copy of every event from the PBX, so the model updates one device per
/// event: the one the event was reported to.
public struct CallModel: Sendable {
    public private(set) var lines: [String: DeviceLine] = [:]

    public init() {}

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
            update(device, now: now, into: &output) { line in
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
            update(device, now: now, into: &output) { $0.doNotDisturb = enabled }
        case .monitored(let device, let monitored):
            update(device, now: now, into: &output) { line in
                line.monitored = monitored
                // Unmonitored means we no longer know; the calls are rebuilt by a snapshot on the next monitor.
                if !monitored { line.calls.removeAll() }
            }
        case .snapshot(let device, let entries):
            update(device, now: now, into: &output) { line in
                line.monitored = true
                let known = Dictionary(line.calls.map { ($0.callId, $0) }, uniquingKeysWith: { first, _ in first })
                line.calls = entries.filter { $0.state != .cleared }.map { entry in
                    var call =
                        known[entry.callId]
                        ?? LineCall(callId: entry.callId, device: device, state: entry.state, direction: nil, peerNumber: nil, startedAt: now)
                    call.state = entry.state
                    if entry.state == .connected, call.answeredAt == nil { call.answeredAt = now }
                    return call
                }
            }
        case .link:
            break
        }
        return output
    }

    /// Runs `change` on a line (created unmonitored if new) and publishes its presence if it changed.
    private mutating func update(_ device: String, now: Date, into output: inout CallModelOutput, _ change: (inout DeviceLine) -> Void) {
        var line = lines[device] ?? DeviceLine(number: device)
        let before = lines[device]?.presence ?? .outOfService
        change(&line)
        lines[device] = line
        let after = line.presence
        if after != before {
            output.events.append(
                (.device(device), PushEvent(type: .devicePresence, time: now, devicePresence: DevicePresencePayload(device: device, presence: after)))
            )
        }
    }

    private mutating func applyCall(
        _ event: SwitchCallEvent,
        now: Date,
        incomingNumber: (String) -> String,
        into output: inout CallModelOutput
    ) {
        let caller = event.callingDevice.map(incomingNumber)
        let device = event.device
        var finished: [FinishedCall] = []
        var reported: LineCall?
        // A second ConnectionCleared for a call the device already left (the PBX reports each dropped connection).
        if event.kind == .connectionCleared, lines[device]?.index(of: event.callId) == nil { return }
        update(device, now: now, into: &output) { line in
            line.monitored = true
            // A Transfered event names the primary old call; the device may be in the secondary (consultation) one.
            let existing = line.index(of: event.callId) ?? (event.kind == .transferred ? event.secondaryCallId.flatMap(line.index(of:)) : nil)
            var call =
                existing.map { line.calls[$0] }
                ?? LineCall(callId: event.callId, device: device, state: .initiated, direction: nil, peerNumber: nil, startedAt: now)
            var remove = event.localStateNull
            switch event.kind {
            case .serviceInitiated:
                call.direction = .outgoing
                call.state = .initiated
            case .originated:
                call.direction = call.direction ?? .outgoing
                call.peerNumber = event.calledDevice ?? call.peerNumber
                call.state = .connected
            case .delivered:
                if event.alertingDevice == device {
                    call.direction = .incoming
                    call.state = .alerting
                    call.peerNumber = caller ?? call.peerNumber
                } else {
                    call.direction = call.direction ?? .outgoing
                    call.peerNumber = event.alertingDevice ?? event.calledDevice ?? call.peerNumber
                }
            case .established:
                if event.answeringDevice == device {
                    call.direction = call.direction ?? .incoming
                    call.peerNumber = call.peerNumber ?? caller
                } else {
                    call.direction = call.direction ?? .outgoing
                    call.peerNumber = event.answeringDevice ?? call.peerNumber
                }
                call.state = .connected
                call.answeredAt = call.answeredAt ?? now
            case .connectionCleared:
                // The device left, or the call it was in ended (a two-party call ends when either side leaves).
                if event.connectionDevice == device || event.releasingDevice == device || event.localState == nil
                    || event.localState == .cleared
                {
                    remove = true
                }
            case .held:
                if event.holdingDevice == device { call.state = .held }
            case .retrieved:
                if event.retrievingDevice == device { call.state = .connected }
            case .transferred:
                if event.transferringDevice == device {
                    remove = true
                    if let secondary = event.secondaryCallId, let index = line.index(of: secondary), index != existing {
                        finished.append(Self.finish(line.calls[index], now: now))
                        line.calls.remove(at: index)
                    }
                } else {
                    // The call lives on under the resulting call id, with a new party.
                    let resulting = event.resultingConnections
                    if let mine = resulting.first(where: { $0.device == device }) ?? resulting.first {
                        call.callId = mine.callId
                    }
                    call.peerNumber =
                        resulting.first(where: { $0.device != device })?.device
                        ?? (event.transferredToDevice == device ? event.callingDevice : event.transferredToDevice) ?? call.peerNumber
                    call.state = .connected
                }
            case .diverted:
                if event.divertingDevice == device {
                    remove = true
                } else {
                    call.peerNumber = event.newDestination ?? call.peerNumber
                }
            case .failed:
                call.state = .failed
            case .queued:
                if event.queue == device {
                    call.direction = .incoming
                    call.state = .queued
                    call.peerNumber = caller ?? call.peerNumber
                }
            }
            if let state = event.localState, !remove, event.kind != .connectionCleared {
                call.state = state
                if state == .connected, call.answeredAt == nil, event.kind != .originated { call.answeredAt = now }
            }
            if remove {
                // A call the device never had (e.g. forwarded away before ringing) leaves no trace at it.
                if let existing {
                    line.calls.remove(at: existing)
                    finished.append(Self.finish(call, now: now))
                }
                call.state = .cleared
            } else if let existing {
                line.calls[existing] = call
            } else {
                line.calls.append(call)
            }
            reported = call
        }
        if let call = reported {
            output.events.append(
                (
                    .device(device),
                    PushEvent(
                        type: .call,
                        time: now,
                        call: CallEventPayload(
                            event: event.kind.rawValue,
                            callId: call.callId,
                            device: device,
                            state: call.state,
                            direction: call.direction,
                            peerNumber: call.peerNumber,
                            cause: event.cause
                        )
                    )
                )
            )
        }
        output.finished += finished
    }

    private static func finish(_ call: LineCall, now: Date) -> FinishedCall {
        FinishedCall(
            device: call.device,
            callId: call.callId,
            direction: call.direction ?? .incoming,
            peerNumber: call.peerNumber,
            startedAt: call.startedAt,
            answeredAt: call.answeredAt,
            endedAt: now
        )
    }
}

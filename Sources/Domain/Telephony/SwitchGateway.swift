import Foundation

/// A device's connection to one call, as commands name it (the PBX's call id and the device).
public struct CallRef: Sendable, Hashable, Codable {
    public var callId: String
    /// The device's number: what the gateway monitors and routes commands by.
    public var device: String
    /// The device as the PBX wrote it in this connection (`N<1001>;noa=nk`, `1001:CM1:…`), when known: requests that
    /// name the connection echo it, since a switch may not recognise its connection by the bare number.
    public var connectionDevice: String?

    public init(callId: String, device: String, connectionDevice: String? = nil) {
        self.callId = callId
        self.device = device
        self.connectionDevice = connectionDevice
    }
}

/// The kinds of simple forwarding a user may set (admin guide 9.1, `AuthorizedForwardType*`).
public enum ForwardingKind: String, Codable, Sendable, CaseIterable {
    case immediate
    case busy
    case noAnswer = "no_answer"
}

/// One forwarding setting of a device.
public struct ForwardingSetting: Codable, Sendable, Hashable {
    public var kind: ForwardingKind
    public var enabled: Bool
    public var destination: String?

    public init(kind: ForwardingKind, enabled: Bool, destination: String?) {
        self.kind = kind
        self.enabled = enabled
        self.destination = destination
    }
}

/// What Domain asks a PBX to do. A PBX link (Telephony) turns each into its CSTA request.
public enum SwitchCommand: Sendable, Hashable {
    case makeCall(device: String, number: String)
    case answer(CallRef)
    case clear(CallRef)
    case hold(CallRef)
    case retrieve(CallRef)
    case singleStepTransfer(CallRef, to: String)
    case consult(CallRef, to: String)
    case transfer(held: CallRef, active: CallRef)
    case deflect(CallRef, to: String)
    case setForwarding(device: String, setting: ForwardingSetting)
    case getForwarding(device: String)
    case setDoNotDisturb(device: String, enabled: Bool)
    /// Asks the PBX which calls the device has (SnapshotDevice); the answer reaches the call model as a `.snapshot`
    /// event, in order with the device's other events.
    case snapshot(device: String)

    /// The device whose link must carry the command.
    public var device: String {
        switch self {
        case .makeCall(let device, _), .setForwarding(let device, _), .getForwarding(let device),
            .setDoNotDisturb(let device, _), .snapshot(let device):
            device
        case .answer(let call), .clear(let call), .hold(let call), .retrieve(let call), .singleStepTransfer(let call, _),
            .consult(let call, _), .deflect(let call, _):
            call.device
        case .transfer(let held, _):
            held.device
        }
    }
}

/// The PBX's answer to a command.
public enum SwitchReply: Sendable, Hashable {
    case done
    /// The new call at the commanding device (MakeCall, ConsultationCall).
    case call(CallRef)
    case forwarding([ForwardingSetting])
}

/// Why a command did not reach or was refused by the PBX.
public enum SwitchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No PBX link serves this device, or its link is down.
    case notConnected(String)
    /// The PBX did not answer in time.
    case timeout
    /// The PBX refused the request (CSTA error category and value, e.g. `operation` / `invalidCallID`).
    case rejected(category: String, value: String)

    public var description: String {
        switch self {
        case .notConnected(let device): "no connected PBX link for device \(device)"
        case .timeout: "the PBX did not answer in time"
        case .rejected(let category, let value): "the PBX refused: \(category) \(value)"
        }
    }
}

/// The PBX links of the server, as Domain sees them: something that carries a command to the right PBX.
public protocol SwitchGateway: Sendable {
    func execute(_ command: SwitchCommand, domainId: Int64) async throws(SwitchError) -> SwitchReply
}

/// What happened to a call at a monitored device, in PBX-neutral terms (from a CSTA event).
public struct SwitchCallEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case serviceInitiated = "initiated"
        case originated
        case delivered
        case established
        case connectionCleared = "cleared"
        case held
        case retrieved
        case transferred
        case diverted
        case failed
        case queued
    }

    public var kind: Kind
    /// The monitored device this copy of the event was reported to.
    public var device: String
    public var callId: String
    /// The number of the event's subject connection's device (e.g. the dropped one for ConnectionCleared).
    public var connectionDevice: String?
    /// That device as the PBX wrote it in the connection (kept to name the connection in later requests).
    public var connectionRaw: String?
    /// The monitored device's connection state after the event, when the PBX says.
    public var localState: ConnectionState?
    /// True when the PBX says the monitored device's connection is gone (`null`).
    public var localStateNull: Bool
    public var callingDevice: String?
    public var calledDevice: String?
    public var alertingDevice: String?
    public var answeringDevice: String?
    public var releasingDevice: String?
    public var holdingDevice: String?
    public var retrievingDevice: String?
    public var transferringDevice: String?
    public var transferredToDevice: String?
    public var divertingDevice: String?
    public var newDestination: String?
    public var queue: String?
    /// The device that last redirected the call (forwarding, deflection, transfer), when the PBX says.
    public var lastRedirectionDevice: String?
    /// Transferred: the consultation call that was merged away.
    public var secondaryCallId: String?
    /// Transferred: the resulting call's connections (call id, device).
    public var resultingConnections: [CallRef]
    public var cause: String?

    public init(
        kind: Kind,
        device: String,
        callId: String,
        connectionDevice: String? = nil,
        connectionRaw: String? = nil,
        localState: ConnectionState? = nil,
        localStateNull: Bool = false,
        callingDevice: String? = nil,
        calledDevice: String? = nil,
        alertingDevice: String? = nil,
        answeringDevice: String? = nil,
        releasingDevice: String? = nil,
        holdingDevice: String? = nil,
        retrievingDevice: String? = nil,
        transferringDevice: String? = nil,
        transferredToDevice: String? = nil,
        divertingDevice: String? = nil,
        newDestination: String? = nil,
        queue: String? = nil,
        lastRedirectionDevice: String? = nil,
        secondaryCallId: String? = nil,
        resultingConnections: [CallRef] = [],
        cause: String? = nil
    ) {
        self.kind = kind
        self.device = device
        self.callId = callId
        self.connectionDevice = connectionDevice
        self.connectionRaw = connectionRaw
        self.localState = localState
        self.localStateNull = localStateNull
        self.callingDevice = callingDevice
        self.calledDevice = calledDevice
        self.alertingDevice = alertingDevice
        self.answeringDevice = answeringDevice
        self.releasingDevice = releasingDevice
        self.holdingDevice = holdingDevice
        self.retrievingDevice = retrievingDevice
        self.transferringDevice = transferringDevice
        self.transferredToDevice = transferredToDevice
        self.divertingDevice = divertingDevice
        self.newDestination = newDestination
        self.queue = queue
        self.lastRedirectionDevice = lastRedirectionDevice
        self.secondaryCallId = secondaryCallId
        self.resultingConnections = resultingConnections
        self.cause = cause
    }
}

/// Everything a PBX link reports to Domain.
public enum SwitchEvent: Sendable, Hashable {
    case call(SwitchCallEvent)
    case forwarding(device: String, ForwardingSetting)
    case doNotDisturb(device: String, enabled: Bool)
    /// A monitor started (true) or was lost with its link (false): the device's calls are kept, suspended, until a
    /// snapshot after reconnection says which still exist (or the link-loss grace runs out).
    case monitored(device: String, Bool)
    /// The device is no longer supervised by any link (its link was deleted, or it left the supervision plan): its
    /// calls end now, with cause `monitor_stopped`.
    case released(device: String)
    /// The calls at a device (SnapshotDevice, after each MonitorStart and when the gateway checks a silent call):
    /// call id and the device's state in it.
    case snapshot(device: String, calls: [SnapshotEntry])
    /// A MakeCall the PBX accepted: the call exists at the device from now on, even before (or without) any event.
    case placed(CallRef, number: String)
    /// A link connected or went down.
    case link(linkId: Int64, connected: Bool, reason: String?)
}

/// One call in a device snapshot.
public struct SnapshotEntry: Sendable, Hashable {
    public var callId: String
    public var state: ConnectionState
    /// The device as the PBX wrote it in the connection, when it did.
    public var connectionDevice: String?

    public init(callId: String, state: ConnectionState, connectionDevice: String? = nil) {
        self.callId = callId
        self.state = state
        self.connectionDevice = connectionDevice
    }
}

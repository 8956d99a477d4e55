/// A decoded message from a PBX: a response to one of our requests, a CSTA error, an event or a PBX-initiated request.
///
/// Produced by `CSTACodec.decode(_:)`, which matches root elements on their local name in any ECMA-323 edition.
public enum CSTAMessage: Sendable, Hashable {
    /// MakeCallResponse: the calling device's new connection (`callingDevice`).
    case makeCallResponse(callingDevice: ConnectionID)
    /// ConsultationCallResponse: the consultation call's connection at the consulting device (`initiatedCall`).
    case consultationCallResponse(initiatedCall: ConnectionID)
    /// MonitorStartResponse: the id that every event of the new monitor will carry.
    case monitorStartResponse(monitorCrossRefID: String)
    /// SnapshotDeviceResponse: the calls at the device, with the device's connection state in each.
    case snapshotDeviceResponse([CSTASnapshotCall])
    /// GetForwardingResponse: the device's forwarding settings.
    case getForwardingResponse([CSTAForwardingSetting])
    /// GetMessageWaitingIndicatorResponse: whether the device's message-waiting lamp is lit.
    case getMessageWaitingIndicatorResponse(messageWaitingOn: Bool)
    /// SystemStatusResponse: the PBX acknowledged our SystemStatus.
    case systemStatusResponse
    /// ECMA-354 StartApplicationSessionPosResponse: the session the PBX opened.
    case applicationSessionStarted(sessionID: String)
    /// Any other positive response, by root name (e.g. `AnswerCallResponse`, `MonitorStopResponse`).
    case positiveResponse(String)
    /// CSTAErrorCode: a negative response to the request with the frame's invoke id.
    case error(CSTAError)
    /// SystemStatus sent by the PBX (usually `normal`, as a keep-alive; nil when it has no `systemStatus` child, as
    /// OpenScape sends it); answer with `CSTAResponse.systemStatus` in the namespace it came in.
    case systemStatus(String?)
    /// ServiceInitiatedEvent: a device went off-hook or started dialling (`initiatedConnection`).
    case serviceInitiated(CSTACallEvent)
    /// OriginatedEvent: a call left the originating device (`originatedConnection`).
    case originated(CSTACallEvent)
    /// DeliveredEvent: a device is ringing (`connection`, `alertingDevice`).
    case delivered(CSTACallEvent)
    /// EstablishedEvent: a call was answered (`establishedConnection`, `answeringDevice`).
    case established(CSTACallEvent)
    /// ConnectionClearedEvent: a device left a call (`droppedConnection`, `releasingDevice`).
    case connectionCleared(CSTACallEvent)
    /// HeldEvent: a call was put on hold (`heldConnection`, `holdingDevice`).
    case held(CSTACallEvent)
    /// RetrievedEvent: a held call was retrieved (`retrievedConnection`, `retrievingDevice`).
    case retrieved(CSTACallEvent)
    /// TransferedEvent (ECMA-323 spelling; `TransferredEvent` accepted): `primaryOldCall` was transferred.
    case transferred(CSTACallEvent)
    /// DivertedEvent: a call was diverted away from `divertingDevice` to `newDestination`.
    case diverted(CSTACallEvent)
    /// FailedEvent: a call attempt failed (`failedConnection`).
    case failed(CSTACallEvent)
    /// QueuedEvent: a call was queued at `queue` (`queuedConnection`).
    case queued(CSTACallEvent)
    /// ForwardingEvent: a device's forwarding changed.
    case forwarding(CSTAForwardingEvent)
    /// DoNotDisturbEvent: a device's do-not-disturb changed.
    case doNotDisturb(CSTADoNotDisturbEvent)
    /// MessageWaitingEvent: a device's message-waiting indicator (voicemail lamp) went on or off.
    case messageWaiting(CSTAMessageWaitingEvent)
    /// A root element this codec does not know (PBXs send private events): its local name. Not an error.
    case unknown(String)

    /// The call event carried by any of the call-event cases, nil for every other message.
    public var callEvent: CSTACallEvent? {
        switch self {
        case .serviceInitiated(let event), .originated(let event), .delivered(let event), .established(let event),
            .connectionCleared(let event), .held(let event), .retrieved(let event), .transferred(let event),
            .diverted(let event), .failed(let event), .queued(let event):
            event
        default:
            nil
        }
    }

    /// The monitor an event belongs to, nil for responses and PBX requests.
    public var monitorCrossRefID: String? {
        switch self {
        case .forwarding(let event): event.monitorCrossRefID
        case .doNotDisturb(let event): event.monitorCrossRefID
        case .messageWaiting(let event): event.monitorCrossRefID
        default: callEvent?.monitorCrossRefID
        }
    }
}

/// A negative response (ECMA-323 CSTAErrorCode): `<CSTAErrorCode><operation>invalidDeviceID</operation></CSTAErrorCode>`.
public struct CSTAError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The error categories ECMA-323 defines: the local names of CSTAErrorCode's possible children.
    public static let categories: Set<String> = [
        "operation", "security", "stateIncompatibility", "systemResourceAvailability", "subscribedResourceAvailability",
        "performanceManagement", "privateData", "unspecified",
    ]

    /// The category: the child element's local name, e.g. `operation` (see `categories`; private ones are kept as sent).
    public var category: String
    /// The value inside the category, e.g. `invalidDeviceID`, `invalidCallID`, `generic`.
    public var value: String

    /// Creates an error value.
    public init(category: String, value: String) {
        self.category = category
        self.value = value
    }

    /// `operation: invalidDeviceID`.
    public var description: String {
        "\(category): \(value)"
    }
}

/// What a call event tells a call model. Which fields are set depends on the event (see the `CSTAMessage` cases).
///
/// Device fields hold the device identifier whether the PBX sent `<callingDevice><deviceIdentifier>1001</deviceIdentifier>
/// </callingDevice>` or bare text, parsed into its number (`CSTADeviceID`: `N<1001>;noa=nk` is 1001); they are nil when
/// absent or `notKnown` / `restricted` / `notRequired`.
public struct CSTACallEvent: Sendable, Hashable {
    /// The monitor this event was reported on (from MonitorStartResponse).
    public var monitorCrossRefID: String
    /// The event's subject connection: `initiatedConnection`, `originatedConnection`, `connection`,
    /// `establishedConnection`, `droppedConnection`, `heldConnection`, `retrievedConnection`, `primaryOldCall`
    /// (Transfered), `failedConnection` or `queuedConnection`, depending on the event.
    public var connection: ConnectionID
    /// ServiceInitiated: the device that initiated the call.
    public var initiatingDevice: CSTADeviceID?
    /// The calling party.
    public var callingDevice: CSTADeviceID?
    /// The called party.
    public var calledDevice: CSTADeviceID?
    /// Delivered: the ringing device.
    public var alertingDevice: CSTADeviceID?
    /// Established: the device that answered.
    public var answeringDevice: CSTADeviceID?
    /// ConnectionCleared: the device that left the call.
    public var releasingDevice: CSTADeviceID?
    /// Held: the device that put the call on hold.
    public var holdingDevice: CSTADeviceID?
    /// Retrieved: the device that retrieved the call.
    public var retrievingDevice: CSTADeviceID?
    /// Transfered: the device that transferred the call.
    public var transferringDevice: CSTADeviceID?
    /// Transfered: the device the call was transferred to.
    public var transferredToDevice: CSTADeviceID?
    /// Diverted: the device the call was diverted away from.
    public var divertingDevice: CSTADeviceID?
    /// Diverted: where the call went.
    public var newDestination: CSTADeviceID?
    /// Failed: the device at which the call failed.
    public var failingDevice: CSTADeviceID?
    /// Queued: the queue (ACD/hunt group) device.
    public var queue: CSTADeviceID?
    /// The device that last redirected the call, if any.
    public var lastRedirectionDevice: CSTADeviceID?
    /// Transfered: the consultation call that was merged away (`secondaryOldCall`).
    public var secondaryOldCall: ConnectionID?
    /// Transfered: the connections of the resulting call (`transferredConnections`).
    public var transferredConnections: [CSTAConnectionListItem]
    /// The state of the monitored device's connection after the event.
    public var localConnectionInfo: CSTAConnectionState?
    /// The ECMA-269 event cause (`newCall`, `normalClearing`, `transfer`, `busy`, …), verbatim.
    public var cause: String?

    /// Creates an event; only the monitor and the connection are mandatory.
    public init(
        monitorCrossRefID: String,
        connection: ConnectionID,
        initiatingDevice: CSTADeviceID? = nil,
        callingDevice: CSTADeviceID? = nil,
        calledDevice: CSTADeviceID? = nil,
        alertingDevice: CSTADeviceID? = nil,
        answeringDevice: CSTADeviceID? = nil,
        releasingDevice: CSTADeviceID? = nil,
        holdingDevice: CSTADeviceID? = nil,
        retrievingDevice: CSTADeviceID? = nil,
        transferringDevice: CSTADeviceID? = nil,
        transferredToDevice: CSTADeviceID? = nil,
        divertingDevice: CSTADeviceID? = nil,
        newDestination: CSTADeviceID? = nil,
        failingDevice: CSTADeviceID? = nil,
        queue: CSTADeviceID? = nil,
        lastRedirectionDevice: CSTADeviceID? = nil,
        secondaryOldCall: ConnectionID? = nil,
        transferredConnections: [CSTAConnectionListItem] = [],
        localConnectionInfo: CSTAConnectionState? = nil,
        cause: String? = nil
    ) {
        self.monitorCrossRefID = monitorCrossRefID
        self.connection = connection
        self.initiatingDevice = initiatingDevice
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
        self.failingDevice = failingDevice
        self.queue = queue
        self.lastRedirectionDevice = lastRedirectionDevice
        self.secondaryOldCall = secondaryOldCall
        self.transferredConnections = transferredConnections
        self.localConnectionInfo = localConnectionInfo
        self.cause = cause
    }
}

/// One entry of a Transfered event's `transferredConnections` list (ECMA-323 ConnectionList item).
public struct CSTAConnectionListItem: Sendable, Hashable {
    /// The connection in the resulting call.
    public var newConnection: ConnectionID?
    /// The connection it replaces in the old call.
    public var oldConnection: ConnectionID?
    /// The device at that end of the call.
    public var endpoint: CSTADeviceID?

    /// Creates a list item.
    public init(newConnection: ConnectionID? = nil, oldConnection: ConnectionID? = nil, endpoint: CSTADeviceID? = nil) {
        self.newConnection = newConnection
        self.oldConnection = oldConnection
        self.endpoint = endpoint
    }
}

/// One call in a SnapshotDeviceResponse (ECMA-323 snapshotDeviceResponseInfo).
public struct CSTASnapshotCall: Sendable, Hashable {
    /// The device's connection in the call (`connectionIdentifier`).
    public var connection: ConnectionID
    /// The device's connection state (`localCallState`); nil when the PBX sent none.
    public var localCallState: CSTAConnectionState?

    /// Creates a snapshot entry.
    public init(connection: ConnectionID, localCallState: CSTAConnectionState?) {
        self.connection = connection
        self.localCallState = localCallState
    }
}

/// One forwarding setting in a GetForwardingResponse (ECMA-323 forwardListItem).
public struct CSTAForwardingSetting: Sendable, Hashable {
    /// The kind of forwarding.
    public var forwardingType: CSTAForwardingType
    /// Whether it is switched on.
    public var forwardStatus: Bool
    /// The forwarding destination, if the PBX reports one.
    public var forwardDN: CSTADeviceID?

    /// Creates a forwarding setting.
    public init(forwardingType: CSTAForwardingType, forwardStatus: Bool, forwardDN: CSTADeviceID?) {
        self.forwardingType = forwardingType
        self.forwardStatus = forwardStatus
        self.forwardDN = forwardDN
    }
}

/// A ForwardingEvent: a device's forwarding was switched on or off.
public struct CSTAForwardingEvent: Sendable, Hashable {
    /// The monitor this event was reported on.
    public var monitorCrossRefID: String
    /// The device whose forwarding changed.
    public var device: CSTADeviceID
    /// The kind of forwarding, when the PBX says.
    public var forwardingType: CSTAForwardingType?
    /// Whether that forwarding is now on.
    public var forwardStatus: Bool
    /// The forwarding destination, when the PBX says.
    public var forwardTo: CSTADeviceID?

    /// Creates a forwarding event.
    public init(
        monitorCrossRefID: String,
        device: CSTADeviceID,
        forwardingType: CSTAForwardingType?,
        forwardStatus: Bool,
        forwardTo: CSTADeviceID?
    ) {
        self.monitorCrossRefID = monitorCrossRefID
        self.device = device
        self.forwardingType = forwardingType
        self.forwardStatus = forwardStatus
        self.forwardTo = forwardTo
    }
}

/// A DoNotDisturbEvent: a device's do-not-disturb was switched on or off.
public struct CSTADoNotDisturbEvent: Sendable, Hashable {
    /// The monitor this event was reported on.
    public var monitorCrossRefID: String
    /// The device whose do-not-disturb changed.
    public var device: CSTADeviceID
    /// Whether do-not-disturb is now on.
    public var doNotDisturbOn: Bool

    /// Creates a do-not-disturb event.
    public init(monitorCrossRefID: String, device: CSTADeviceID, doNotDisturbOn: Bool) {
        self.monitorCrossRefID = monitorCrossRefID
        self.device = device
        self.doNotDisturbOn = doNotDisturbOn
    }
}

/// A MessageWaitingEvent (ECMA-269 §17.2.x): the message-waiting indicator of `device` changed.
public struct CSTAMessageWaitingEvent: Sendable, Hashable {
    /// The monitor this event was reported on.
    public var monitorCrossRefID: String
    /// The device whose indicator changed (`targetDevice`).
    public var device: CSTADeviceID
    /// The device that left or holds the messages (the voicemail system), when the PBX says.
    public var deviceForMessage: CSTADeviceID?
    /// Whether messages are waiting now.
    public var messageWaitingOn: Bool

    /// Creates a message-waiting event.
    public init(monitorCrossRefID: String, device: CSTADeviceID, deviceForMessage: CSTADeviceID? = nil, messageWaitingOn: Bool) {
        self.monitorCrossRefID = monitorCrossRefID
        self.device = device
        self.deviceForMessage = deviceForMessage
        self.messageWaitingOn = messageWaitingOn
    }
}

import Foundation

/// One device's part in one call, as the call model tracks it.
public struct LineCall: Sendable, Equatable {
    public var callId: String
    public var device: String
    public var state: ConnectionState
    public var direction: CallDirection?
    /// The other party: the caller of an incoming call (through the reverse dialing plan), the called party of an
    /// outgoing one (as dialled, then whoever answered or took the call).
    public var peerNumber: String?
    public var startedAt: Date
    /// When the call was answered (EstablishedEvent for this device's side), nil while it has not been.
    public var answeredAt: Date?
    /// The device as the PBX writes it in this call's connection, when it wrote it differently from the number.
    public var connectionDevice: String?
    /// The party that last diverted the call to this device (CSTA `lastRedirectionDevice`), when the PBX said.
    public var redirectedFrom: String?
    /// The ECMA-269 cause of a failure (`busy`, `doNotDisturb`, …), or of a call the gateway closed itself.
    public var cause: String?
    /// The other devices known to take part in the call, by number: when the last one leaves, so has the call.
    var parties: Set<String> = []
    /// Devices only offered the same call (hunt-group colleagues ringing too): their leaving ends nothing here.
    var offered: Set<String> = []
    /// When the PBX last said anything about this call at this device.
    var lastEventAt: Date
    /// When the call failed (state `failed`): it leaves the line `failedLinger` later unless cleared before.
    var failedAt: Date?
    /// Since when the device's link has been down: the call waits for a snapshot to say whether it still exists.
    var suspendedAt: Date?
    /// When the gateway last asked the PBX whether this silent call still exists.
    var checkedAt: Date?
    /// Someone else answered this call while it was only offered here (hunt group): not a missed call of this device.
    var answeredElsewhere = false

    public init(
        callId: String,
        device: String,
        state: ConnectionState,
        direction: CallDirection?,
        peerNumber: String?,
        startedAt: Date,
        answeredAt: Date? = nil,
        connectionDevice: String? = nil
    ) {
        self.callId = callId
        self.device = device
        self.state = state
        self.direction = direction
        self.peerNumber = peerNumber
        self.startedAt = startedAt
        self.answeredAt = answeredAt
        self.connectionDevice = connectionDevice
        lastEventAt = startedAt
    }

    /// How commands name this connection.
    public var ref: CallRef {
        CallRef(callId: callId, device: device, connectionDevice: connectionDevice)
    }
}

import Foundation

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

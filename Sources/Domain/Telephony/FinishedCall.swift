import Foundation

/// A device's part in a call that has ended: what a call-log entry is written from.
public struct FinishedCall: Sendable, Equatable {
    public var device: String
    public var callId: String
    public var direction: CallDirection
    public var peerNumber: String?
    public var startedAt: Date
    public var answeredAt: Date?
    public var endedAt: Date
    /// Why the call ended, when something other than a hang-up says so: a failure cause such as `busy`, the CSTA error of
    /// a refused MakeCall, or the gateway's own `link_lost`, `no_longer_reported`, `monitor_stopped` (then the end time is
    /// when the gateway learnt of it).
    public var cause: String?

    public init(
        device: String,
        callId: String,
        direction: CallDirection,
        peerNumber: String?,
        startedAt: Date,
        answeredAt: Date?,
        endedAt: Date,
        cause: String? = nil
    ) {
        self.device = device
        self.callId = callId
        self.direction = direction
        self.peerNumber = peerNumber
        self.startedAt = startedAt
        self.answeredAt = answeredAt
        self.endedAt = endedAt
        self.cause = cause
    }

    /// Incoming calls that were never answered at this device are missed.
    public var kind: CallLogKind {
        switch direction {
        case .outgoing: .outgoing
        case .incoming: answeredAt == nil ? .missed : .incoming
        }
    }
}

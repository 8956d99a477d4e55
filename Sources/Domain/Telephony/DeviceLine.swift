import Foundation

/// A monitored device's line: its calls, do-not-disturb, forwarding and voicemail lamp.
public struct DeviceLine: Sendable, Equatable {
    public var number: String
    public var monitored: Bool
    public var doNotDisturb: Bool
    /// The PBX's message-waiting indicator: voicemail messages wait for this device.
    public var messageWaiting: Bool
    public var forwarding: [ForwardingKind: String]
    /// The device's calls, oldest first.
    public var calls: [LineCall]
    /// Calls that ended here lately (newest last), so a late MakeCall answer or a duplicate event cannot revive one.
    var ended: [String] = []
    /// Whether the PBX's snapshot has been applied since monitoring last started: only then do `calls` say what the
    /// PBX has (after a restart, what an earlier run left behind).
    public internal(set) var snapshotTaken = false

    public init(
        number: String,
        monitored: Bool = false,
        doNotDisturb: Bool = false,
        messageWaiting: Bool = false,
        forwarding: [ForwardingKind: String] = [:],
        calls: [LineCall] = []
    ) {
        self.number = number
        self.monitored = monitored
        self.doNotDisturb = doNotDisturb
        self.messageWaiting = messageWaiting
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

    /// Remembers that `callId` ended here (the last 16 only).
    mutating func remember(_ callId: String) {
        ended.append(callId)
        if ended.count > 16 { ended.removeFirst(ended.count - 16) }
    }
}

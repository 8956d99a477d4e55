import Foundation

/// Everything a PBX link reports to Domain.
public enum SwitchEvent: Sendable, Hashable {
    case call(SwitchCallEvent)
    case forwarding(device: String, ForwardingSetting)
    case doNotDisturb(device: String, enabled: Bool)
    /// The device's message-waiting indicator (voicemail lamp): a MessageWaitingEvent (`reported`: it changed at the
    /// PBX just now), or the PBX's answer when the gateway asks after monitoring starts (not `reported`: a state that
    /// may be old, which must not mail anyone again).
    case messageWaiting(device: String, waiting: Bool, reported: Bool)
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

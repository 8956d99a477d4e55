import Foundation

/// The PBX's answer to a command.
public enum SwitchReply: Sendable, Hashable {
    case done
    /// The new call at the commanding device (MakeCall, ConsultationCall).
    case call(CallRef)
    case forwarding([ForwardingSetting])
}

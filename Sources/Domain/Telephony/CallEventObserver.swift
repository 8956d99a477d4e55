import Foundation

/// Something that acts on what happens at devices, beside the push events and call logs the pipeline makes itself:
/// forwarding rules run by the server, simple rules kept in step with PBX forwarding, forward verification.
///
/// `observe` runs on the PBX event path, in PBX order: it must return quickly and never wait for the PBX (a command's
/// answer arrives on the very link whose events are waiting); work that sends commands goes to the observer's own
/// Service.
public protocol CallEventObserver: Sendable {
    /// One PBX event (nil for the gateway's own sweeps) and what the domain's call model made of it.
    func observe(_ event: SwitchEvent?, _ output: CallModelOutput, domainId: Int64, time: Date) async
}

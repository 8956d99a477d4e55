import Foundation

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

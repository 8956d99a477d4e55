/// A waiting call a user took from a phone queue: it now rings at, or is answered by, the user's device.
public struct QueueCallTaken: Sendable, Equatable {
    public var callId: String
    public var device: String
    /// False when the PBX could not answer for the device in time (the call rings there).
    public var answered: Bool

    public init(callId: String, device: String, answered: Bool) {
        self.callId = callId
        self.device = device
        self.answered = answered
    }
}

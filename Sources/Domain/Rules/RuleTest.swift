import Foundation

/// A call to explain (`POST /api/v1/rules/test`, SOAP TestRules): who calls, and what to assume instead of the
/// current values (nil members take them: now, the user's presence, the device's state, the user's first device).
public struct RuleTest: Sendable, Equatable {
    public var callerNumber: String
    public var time: Date?
    public var presence: RulePresence?
    /// True: the device is already in a call.
    public var deviceBusy: Bool?
    public var device: String?

    public init(callerNumber: String, time: Date? = nil, presence: RulePresence? = nil, deviceBusy: Bool? = nil, device: String? = nil) {
        self.callerNumber = callerNumber
        self.time = time
        self.presence = presence
        self.deviceBusy = deviceBusy
        self.device = device
    }
}

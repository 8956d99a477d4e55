import Foundation

/// A device's voicemail lamp (the PBX's message-waiting indicator) went on or off; only the device's owners get it.
public struct MessageWaitingPayload: Codable, Sendable, Equatable {
    public var device: String
    public var waiting: Bool

    public init(device: String, waiting: Bool) {
        self.device = device
        self.waiting = waiting
    }
}

import Foundation

public struct DevicePresencePayload: Codable, Sendable, Equatable {
    public var device: String
    public var presence: TelephonyPresence

    public init(device: String, presence: TelephonyPresence) {
        self.device = device
        self.presence = presence
    }
}

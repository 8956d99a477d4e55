import Foundation

/// A device's supervision state for the "Devices states" page (admin guide 10.5).
public struct DeviceSupervisionState: Sendable, Equatable {
    public var device: String
    /// The link ("Provider") that supervises it; nil when no link has room for it.
    public var linkId: Int64?
    public var provider: String?
    public var connected: Bool
    /// Why it is not monitored, when known (PBX refusal, link down, over capacity).
    public var reason: String?
    /// The monitoring type, `CTI` for CSTA.
    public var type: String

    public init(device: String, linkId: Int64?, provider: String?, connected: Bool, reason: String?, type: String = "CTI") {
        self.device = device
        self.linkId = linkId
        self.provider = provider
        self.connected = connected
        self.reason = reason
        self.type = type
    }
}

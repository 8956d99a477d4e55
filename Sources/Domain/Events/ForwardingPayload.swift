import Foundation

public struct ForwardingPayload: Codable, Sendable, Equatable {
    public var device: String
    /// immediate, busy or no_answer.
    public var kind: String
    public var enabled: Bool
    public var destination: String?

    public init(device: String, kind: String, enabled: Bool, destination: String? = nil) {
        self.device = device
        self.kind = kind
        self.enabled = enabled
        self.destination = destination
    }
}

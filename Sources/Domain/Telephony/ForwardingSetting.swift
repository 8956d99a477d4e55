import Foundation

/// One forwarding setting of a device.
public struct ForwardingSetting: Codable, Sendable, Hashable {
    public var kind: ForwardingKind
    public var enabled: Bool
    public var destination: String?

    public init(kind: ForwardingKind, enabled: Bool, destination: String?) {
        self.kind = kind
        self.enabled = enabled
        self.destination = destination
    }
}

import Foundation

public struct LinkStatePayload: Codable, Sendable, Equatable {
    public var linkId: Int64
    public var connected: Bool
    public var reason: String?

    public init(linkId: Int64, connected: Bool, reason: String? = nil) {
        self.linkId = linkId
        self.connected = connected
        self.reason = reason
    }
}

import Foundation

/// A PBX link went up or down. `domainId` says whose link it is to an administrator watching several domains.
public struct LinkStatePayload: Codable, Sendable, Equatable {
    public var linkId: Int64
    public var domainId: Int64
    public var connected: Bool
    public var reason: String?

    public init(linkId: Int64, domainId: Int64, connected: Bool, reason: String? = nil) {
        self.linkId = linkId
        self.domainId = domainId
        self.connected = connected
        self.reason = reason
    }
}

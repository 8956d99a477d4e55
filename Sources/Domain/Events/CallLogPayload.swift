import Foundation

public struct CallLogPayload: Codable, Sendable, Equatable {
    public var entryId: Int64
    /// incoming, outgoing or missed.
    public var kind: String
    public var device: String
    public var peerNumber: String?
    public var peerName: String?

    public init(entryId: Int64, kind: String, device: String, peerNumber: String? = nil, peerName: String? = nil) {
        self.entryId = entryId
        self.kind = kind
        self.device = device
        self.peerNumber = peerNumber
        self.peerName = peerName
    }
}

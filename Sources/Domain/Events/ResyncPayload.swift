import Foundation

/// Sent instead of missed events when the client's `after` is older than the buffer: reload, then resume after `seq`.
public struct ResyncPayload: Codable, Sendable, Equatable {
    /// The oldest seq the buffer still holds.
    public var oldestAvailable: UInt64
    public var reason: String

    public init(oldestAvailable: UInt64, reason: String) {
        self.oldestAvailable = oldestAvailable
        self.reason = reason
    }
}

import Foundation

/// One call in a device snapshot.
public struct SnapshotEntry: Sendable, Hashable {
    public var callId: String
    public var state: ConnectionState
    /// The device as the PBX wrote it in the connection, when it did.
    public var connectionDevice: String?

    public init(callId: String, state: ConnectionState, connectionDevice: String? = nil) {
        self.callId = callId
        self.state = state
        self.connectionDevice = connectionDevice
    }
}

import Foundation

/// A link's state for the "Connections states" page (admin guide 10.4).
public struct PbxLinkState: Sendable, Equatable {
    public var linkId: Int64
    public var domainId: Int64
    public var host: String
    public var port: Int
    public var connected: Bool
    /// Devices monitored now ("Current").
    public var current: Int
    /// Maximum devices ("Count").
    public var capacity: Int
    public var lastError: String?
    public var reconnects: Int

    public init(
        linkId: Int64,
        domainId: Int64,
        host: String,
        port: Int,
        connected: Bool,
        current: Int,
        capacity: Int,
        lastError: String?,
        reconnects: Int
    ) {
        self.linkId = linkId
        self.domainId = domainId
        self.host = host
        self.port = port
        self.connected = connected
        self.current = current
        self.capacity = capacity
        self.lastError = lastError
        self.reconnects = reconnects
    }
}

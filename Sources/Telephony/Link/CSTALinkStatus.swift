import Domain
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// What the admin pages show of a link (admin guide 10.4) and of its devices (10.5).
public struct CSTALinkStatus: Sendable, Equatable {
    public var linkId: Int64
    public var domainId: Int64
    public var host: String
    public var port: Int
    public var connected: Bool
    public var connectedSince: Date?
    /// Devices this link should supervise.
    public var devices: [String]
    /// Devices currently monitored.
    public var monitored: Set<String>
    /// Devices the PBX refused to monitor, with its reason.
    public var refused: [String: String]
    public var lastError: String?
    public var reconnects: Int
    public var eventsReceived: Int
}

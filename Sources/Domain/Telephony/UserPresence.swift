import Foundation

/// A user's chosen status (the TWS presence), one row per user.
public struct UserPresence: CompanyScoped, Equatable {
    public static let table = "user_presence"
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    public var userId: Int64
    public var status: UserPresenceStatus
    public var message: String?
    public var updatedAt: Date

    public init(id: Int64? = nil, companyId: Int64, domainId: Int64, userId: Int64, status: UserPresenceStatus, message: String?, updatedAt: Date) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.userId = userId
        self.status = status
        self.message = message
        self.updatedAt = updatedAt
    }
}

/// Where push events go; the server's event bus implements it.
public protocol PushPublisher: Sendable {
    /// Publishes `event` to the subscribers of `domainId` that `audience` admits; returns the seq it was given.
    @discardableResult
    func publish(domainId: Int64, audience: PushAudience, event: PushEvent) -> UInt64
}

/// Which devices a PBX link supervises (admin guide 10.4 "Current" / "Count").
public struct LinkAssignment: Sendable, Equatable {
    public var link: PbxLink
    public var devices: [String]

    public init(link: PbxLink, devices: [String]) {
        self.link = link
        self.devices = devices
    }
}

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

/// The PBX links as a whole: what the admin pages read and what the supervision planner drives.
public protocol SwitchSupervisor: SwitchGateway {
    func apply(_ assignments: [LinkAssignment]) async
    func linkStates() -> [PbxLinkState]
    func deviceStates(domainId: Int64) -> [DeviceSupervisionState]
}

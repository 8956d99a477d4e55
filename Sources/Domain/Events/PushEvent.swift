import Foundation

/// Who may receive a push event. The bus compares it with each subscriber's `PushAudienceFilter`.
public enum PushAudience: Sendable, Hashable {
    /// About a device: its owner and everyone allowed to see it (intercom groups, queues, boss/secretary).
    case device(String)
    /// For one user only (their call-log entries).
    case user(Int64)
    /// Everyone of the domain (user presence, PBX link state).
    case domain
    /// The users who may read a directory (its synchronisation progress).
    case directory(Int64)
}

/// What one subscriber may receive, computed from their rights when they subscribe.
public struct PushAudienceFilter: Sendable, Equatable {
    public var userId: Int64
    public var domainId: Int64
    /// Device numbers whose events this user may see: their own plus those their rights reveal.
    public var visibleDevices: Set<String>
    /// Directories the user may read.
    public var readableDirectories: Set<Int64>

    public init(userId: Int64, domainId: Int64, visibleDevices: Set<String>, readableDirectories: Set<Int64> = []) {
        self.userId = userId
        self.domainId = domainId
        self.visibleDevices = visibleDevices
        self.readableDirectories = readableDirectories
    }

    public func admits(_ audience: PushAudience) -> Bool {
        switch audience {
        case .device(let number): visibleDevices.contains(number)
        case .user(let id): id == userId
        case .domain: true
        case .directory(let id): readableDirectories.contains(id)
        }
    }
}

/// The kind of a push event; the JSON `type` field.
public enum PushEventType: String, Codable, Sendable, CaseIterable {
    /// A call changed at a device (delivered, established, held, cleared, …).
    case call
    /// A device's telephony presence changed.
    case devicePresence = "device_presence"
    /// A user's own presence (TWS status) changed.
    case userPresence = "user_presence"
    /// A device's forwarding changed.
    case forwarding
    /// A PBX link connected or went down.
    case link
    /// A call-log entry was written for the receiving user.
    case callLog = "call_log"
    /// The client asked for events older than the buffer keeps: it must reload its state (GET the REST views).
    case resync
    /// A directory the user reads is synchronising (progress) or has finished (its contacts changed).
    case directorySync = "directory_sync"
}

/// One event as clients receive it (WebSocket text frame or long-poll array item).
///
/// Exactly one of the payload members is set, the one named by `type`; `seq` increases by one per event of the
/// domain, so a gap in what a client sees is events it was not allowed to see, never lost ones.
public struct PushEvent: Codable, Sendable, Equatable {
    public var seq: UInt64
    public var type: PushEventType
    public var time: Date
    public var call: CallEventPayload?
    public var devicePresence: DevicePresencePayload?
    public var userPresence: UserPresencePayload?
    public var forwarding: ForwardingPayload?
    public var link: LinkStatePayload?
    public var callLog: CallLogPayload?
    public var resync: ResyncPayload?
    public var directorySync: DirectorySyncPayload?

    public init(
        seq: UInt64 = 0,
        type: PushEventType,
        time: Date,
        call: CallEventPayload? = nil,
        devicePresence: DevicePresencePayload? = nil,
        userPresence: UserPresencePayload? = nil,
        forwarding: ForwardingPayload? = nil,
        link: LinkStatePayload? = nil,
        callLog: CallLogPayload? = nil,
        resync: ResyncPayload? = nil,
        directorySync: DirectorySyncPayload? = nil
    ) {
        self.seq = seq
        self.type = type
        self.time = time
        self.call = call
        self.devicePresence = devicePresence
        self.userPresence = userPresence
        self.forwarding = forwarding
        self.link = link
        self.callLog = callLog
        self.resync = resync
        self.directorySync = directorySync
    }
}

/// A call as seen from one device, after an event.
public struct CallEventPayload: Codable, Sendable, Equatable {
    /// What happened: delivered, established, held, retrieved, transferred, diverted, failed, queued, cleared, originated.
    public var event: String
    /// The PBX's call id.
    public var callId: String
    /// The device this view is about.
    public var device: String
    /// The device's connection state after the event.
    public var state: ConnectionState
    public var direction: CallDirection?
    /// The other party's number as received, and as the dialing plan's reverse direction normalises it.
    public var peerNumber: String?
    /// For an incoming call, the caller's name found by reverse lookup in the directories of the device's owner.
    public var peerName: String?
    public var cause: String?

    public init(
        event: String,
        callId: String,
        device: String,
        state: ConnectionState,
        direction: CallDirection? = nil,
        peerNumber: String? = nil,
        peerName: String? = nil,
        cause: String? = nil
    ) {
        self.event = event
        self.callId = callId
        self.device = device
        self.state = state
        self.direction = direction
        self.peerNumber = peerNumber
        self.peerName = peerName
        self.cause = cause
    }
}

public struct DevicePresencePayload: Codable, Sendable, Equatable {
    public var device: String
    public var presence: TelephonyPresence

    public init(device: String, presence: TelephonyPresence) {
        self.device = device
        self.presence = presence
    }
}

public struct UserPresencePayload: Codable, Sendable, Equatable {
    public var userId: Int64
    public var status: UserPresenceStatus
    public var message: String?

    public init(userId: Int64, status: UserPresenceStatus, message: String? = nil) {
        self.userId = userId
        self.status = status
        self.message = message
    }
}

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

/// A directory synchronisation's progress or end, for the users who read the directory.
public struct DirectorySyncPayload: Codable, Sendable, Equatable {
    public var directoryId: Int64
    public var state: DirectorySyncReport.State
    public var read: Int
    public var created: Int
    public var updated: Int
    public var deleted: Int
    public var ignored: Int
    public var error: String?

    public init(directoryId: Int64, report: DirectorySyncReport) {
        self.directoryId = directoryId
        self.state = report.state
        self.read = report.read
        self.created = report.created
        self.updated = report.updated
        self.deleted = report.deleted
        self.ignored = report.ignored
        self.error = report.error
    }
}

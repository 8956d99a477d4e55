import Foundation

/// What one subscriber may receive, computed from their rights when they subscribe.
public struct PushAudienceFilter: Sendable, Equatable {
    /// Who subscribes.
    public enum Receiver: Sendable, Equatable {
        /// A user of the domain: the events their rights reveal, by audience.
        case user
        /// An administrator of the domain's company: only its supervision events (PBX link down/up, phone-queue
        /// alerts), whatever their audience; never calls, presence or directories.
        case administrator
    }

    /// The event types an administrator receives.
    public static let administratorTypes: Set<PushEventType> = [.link, .supervisionAlert]

    public var receiver: Receiver
    /// The user's id; 0 for an administrator.
    public var userId: Int64
    public var domainId: Int64
    /// Device numbers whose events this user may see: their own plus those their rights reveal.
    public var visibleDevices: Set<String>
    /// Directories the user may read.
    public var readableDirectories: Set<Int64>
    /// Devices of the intercom groups the user is authorised to (`TelephonyVisibility.intercom`): the lines they supervise.
    public var supervisedDevices: Set<String>
    /// Bosses' devices the user sees as their secretary only (`TelephonyVisibility.bosses`): their call events come as
    /// the secretaries' copy (`PushAudience.secretaries`), not as device events.
    public var bossDevices: Set<String>
    /// The user's own devices (`TelephonyVisibility.own`): what only an owner may know of a line, its voicemail lamp.
    public var ownDevices: Set<String>

    public init(
        userId: Int64,
        domainId: Int64,
        visibleDevices: Set<String>,
        readableDirectories: Set<Int64> = [],
        supervisedDevices: Set<String> = [],
        bossDevices: Set<String> = [],
        ownDevices: Set<String> = []
    ) {
        self.receiver = .user
        self.userId = userId
        self.domainId = domainId
        self.visibleDevices = visibleDevices
        self.readableDirectories = readableDirectories
        self.supervisedDevices = supervisedDevices
        self.bossDevices = bossDevices
        self.ownDevices = ownDevices
    }

    /// The filter of an administrator watching `domainId`, one of their companies' domains.
    public static func administrator(domainId: Int64) -> PushAudienceFilter {
        var filter = PushAudienceFilter(userId: 0, domainId: domainId, visibleDevices: [])
        filter.receiver = .administrator
        return filter
    }

    /// Whether an event of `type` published for `audience` reaches this subscriber.
    public func admits(_ audience: PushAudience, type: PushEventType) -> Bool {
        switch receiver {
        case .administrator: return Self.administratorTypes.contains(type)
        case .user: return admits(audience, isCall: type == .call)
        }
    }

    private func admits(_ audience: PushAudience, isCall: Bool) -> Bool {
        switch audience {
        // A boss's call events reach their secretaries once, named for them (`secretaries`).
        case .device(let number): visibleDevices.contains(number) && !(isCall && bossDevices.contains(number))
        case .secretaries(let number): bossDevices.contains(number)
        case .user(let id): id == userId
        case .users(let ids): ids.contains(userId)
        case .domain: true
        case .directory(let id): readableDirectories.contains(id)
        case .intercom(let number): supervisedDevices.contains(number)
        case .owner(let number): ownDevices.contains(number)
        }
    }
}

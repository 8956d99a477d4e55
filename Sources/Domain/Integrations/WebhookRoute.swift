import Foundation

/// What an event is about, for matching it against subscription filters.
public enum WebhookSubject: Sendable, Equatable {
    /// A device, and the user who owns it when known.
    case device(String, userId: Int64?)
    case user(Int64)
    /// Neither (a directory synchronisation, a ping): any filter admits it.
    case nothing
}

/// An active subscription as events are matched against it: its filters resolved to users (groups expanded to their
/// members) and device numbers (the listed devices and the devices of those users).
public struct WebhookRoute: Sendable, Equatable {
    public var webhookId: Int64
    public var companyId: Int64
    public var kinds: Set<WebhookEventKind>
    /// No filter: every event of the company.
    public var everything: Bool
    public var userIds: Set<Int64>
    public var devices: Set<String>

    public init(webhookId: Int64, companyId: Int64, kinds: Set<WebhookEventKind>, everything: Bool, userIds: Set<Int64>, devices: Set<String>) {
        self.webhookId = webhookId
        self.companyId = companyId
        self.kinds = kinds
        self.everything = everything
        self.userIds = userIds
        self.devices = devices
    }

    /// The route of `webhook` with its filters resolved: `members` are the users of its groups, `userDevices` the
    /// device numbers of its users and those members.
    public init(_ webhook: Webhook, members: [Int64], userDevices: [String]) {
        self.init(
            webhookId: webhook.id ?? 0,
            companyId: webhook.companyId,
            kinds: Set(webhook.events),
            everything: webhook.filters.isEmpty,
            userIds: Set(webhook.filters.users).union(members),
            devices: Set(webhook.filters.devices).union(userDevices)
        )
    }

    /// Whether an event of `kind` about `subject` goes to this subscription.
    public func matches(_ kind: WebhookEventKind, _ subject: WebhookSubject) -> Bool {
        guard kinds.contains(kind) else { return false }
        if everything { return true }
        switch subject {
        case .nothing: return true
        case .user(let userId): return userIds.contains(userId)
        case .device(let number, let userId): return devices.contains(number) || userId.map(userIds.contains) == true
        }
    }
}

import Foundation

/// What a webhook subscription may ask for (issue 19). `callback` is accepted and documented but nothing emits it until
/// callbacks exist; `ping` is what `POST …/ping` sends.
public enum WebhookEventKind: String, Codable, Sendable, CaseIterable, Comparable {
    /// Call state events of devices, with the push channel's screen-pop fields.
    case call
    /// A finished call-log entry.
    case callLog = "call_log"
    /// User and device presence changes.
    case presence
    /// A callback request changed status (issue 20).
    case callback
    /// A directory synchronisation ended.
    case directorySync = "directory_sync"
    /// A test delivery asked for by an administrator.
    case ping

    public static func < (lhs: WebhookEventKind, rhs: WebhookEventKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Which events of the company a subscription receives: those concerning one of these users, members of these groups, or
/// devices. All empty means every event of the company.
public struct WebhookFilters: Codable, Sendable, Equatable {
    public var users: [Int64]
    public var groups: [Int64]
    public var devices: [String]

    public init(users: [Int64] = [], groups: [Int64] = [], devices: [String] = []) {
        self.users = users
        self.groups = groups
        self.devices = devices
    }

    public var isEmpty: Bool { users.isEmpty && groups.isEmpty && devices.isEmpty }
}

/// A company's webhook subscription: where its events are POSTed and how they are signed.
public struct Webhook: Sendable, Equatable, CompanyScoped {
    public var id: Int64?
    public var companyId: Int64
    public var url: String
    public var events: [WebhookEventKind]
    public var filters: WebhookFilters
    /// The HMAC-SHA256 key of `TWS-Signature`; shown to clients only at creation and rotation.
    public var secret: String
    public var active: Bool
    public var description: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int64? = nil,
        companyId: Int64,
        url: String,
        events: [WebhookEventKind],
        filters: WebhookFilters = WebhookFilters(),
        secret: String,
        active: Bool = true,
        description: String? = nil,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.companyId = companyId
        self.url = url
        self.events = events
        self.filters = filters
        self.secret = secret
        self.active = active
        self.description = description
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What a client sends to create a subscription (`nil` members keep their default) or to change one (`nil` keeps the
/// stored value).
public struct WebhookInput: Sendable, Equatable {
    public var url: String?
    public var events: [WebhookEventKind]?
    public var filters: WebhookFilters?
    public var secret: String?
    public var active: Bool?
    public var description: String?

    public init(
        url: String? = nil,
        events: [WebhookEventKind]? = nil,
        filters: WebhookFilters? = nil,
        secret: String? = nil,
        active: Bool? = nil,
        description: String? = nil
    ) {
        self.url = url
        self.events = events
        self.filters = filters
        self.secret = secret
        self.active = active
        self.description = description
    }
}

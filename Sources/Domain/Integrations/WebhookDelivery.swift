import Foundation

/// One event for one subscription, in the outbox: written in the transaction that records the event (or, for events
/// stored nowhere else, before the event counts as handled), sent by the `WebhookDispatcher` until a 2xx answer
/// (`delivered`) or the retry window ends (`dead`).
public struct WebhookDelivery: Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case pending, delivered, dead
    }

    /// Sent as `TWS-Webhook-Id`.
    public var id: Int64?
    public var webhookId: Int64
    public var companyId: Int64
    public var domainId: Int64?
    /// The body's `id`: the same for every subscription that receives the event.
    public var eventId: String
    public var kind: WebhookEventKind
    /// The event's push sequence number in its domain, when it has one.
    public var seq: UInt64?
    /// The JSON body, fixed when the event happened: a retry sends the same bytes (with a new timestamp and signature).
    public var body: String
    public var status: Status
    public var attemptCount: Int
    public var createdAt: Date
    /// Where the retry window starts: the event, or the last manual retry.
    public var windowStart: Date
    /// When the next attempt is due (nil: at once).
    public var nextAttemptAt: Date?
    public var deadReason: String?

    public init(
        id: Int64? = nil,
        webhookId: Int64,
        companyId: Int64,
        domainId: Int64?,
        eventId: String,
        kind: WebhookEventKind,
        seq: UInt64?,
        body: String,
        status: Status = .pending,
        attemptCount: Int = 0,
        createdAt: Date,
        windowStart: Date? = nil,
        nextAttemptAt: Date? = nil,
        deadReason: String? = nil
    ) {
        self.id = id
        self.webhookId = webhookId
        self.companyId = companyId
        self.domainId = domainId
        self.eventId = eventId
        self.kind = kind
        self.seq = seq
        self.body = body
        self.status = status
        self.attemptCount = attemptCount
        self.createdAt = createdAt
        self.windowStart = windowStart ?? createdAt
        self.nextAttemptAt = nextAttemptAt
        self.deadReason = deadReason
    }
}

/// One try at sending a delivery, as listed in `GET …/deliveries`.
public struct WebhookAttempt: Sendable, Equatable {
    /// Response bodies are kept up to this many bytes.
    public static let excerptLimit = 1024

    public var id: Int64?
    public var deliveryId: Int64
    public var at: Date
    /// Nil when no answer came (refused destination, timeout, unreachable).
    public var httpStatus: Int?
    public var error: String?
    public var durationMs: Int
    public var responseExcerpt: String?

    public init(
        id: Int64? = nil,
        deliveryId: Int64,
        at: Date,
        httpStatus: Int?,
        error: String?,
        durationMs: Int,
        responseExcerpt: String?
    ) {
        self.id = id
        self.deliveryId = deliveryId
        self.at = at
        self.httpStatus = httpStatus
        self.error = error
        self.durationMs = durationMs
        self.responseExcerpt = responseExcerpt
    }
}

/// A delivery with its attempts, oldest attempt first.
public struct WebhookDeliveryView: Sendable, Equatable {
    public var delivery: WebhookDelivery
    public var attempts: [WebhookAttempt]

    public init(delivery: WebhookDelivery, attempts: [WebhookAttempt]) {
        self.delivery = delivery
        self.attempts = attempts
    }
}

import Domain
import Foundation
import GRDB

/// Subscriptions and the webhook outbox (issue 19): tables `webhook`, `webhook_delivery`, `webhook_attempt`.
extension AppDatabase: WebhookStore {
    public func webhooks(companyId: Int64) async throws -> [Webhook] {
        try readDatabase { db in try WebhookRow.filter(Column("companyId") == companyId).order(Column("id")).fetchAll(db).map(\.webhook) }
    }

    public func webhook(id: Int64) async throws -> Webhook? {
        try readDatabase { db in try WebhookRow.fetchOne(db, key: id)?.webhook }
    }

    public func activeWebhooks() async throws -> [Webhook] {
        try readDatabase { db in try WebhookRow.filter(Column("active") == true).order(Column("id")).fetchAll(db).map(\.webhook) }
    }

    public func insertWebhook(_ webhook: Webhook) async throws -> Webhook {
        try await writer.write { db in
            var row = WebhookRow(webhook)
            try GRDBTransaction(db: db).translate { try row.insert(db) }
            return row.webhook
        }
    }

    public func updateWebhook(_ webhook: Webhook) async throws {
        try await writer.write { db in try GRDBTransaction(db: db).translate { try WebhookRow(webhook).update(db) } }
    }

    public func deleteWebhook(id: Int64) async throws {
        _ = try await writer.write { db in try WebhookRow.deleteOne(db, key: id) }
    }

    public func insertWebhookDeliveries(_ deliveries: [WebhookDelivery]) async throws -> [WebhookDelivery] {
        try await writer.write { db in try Self.insert(deliveries, db) }
    }

    static func insert(_ deliveries: [WebhookDelivery], _ db: Database) throws -> [WebhookDelivery] {
        try deliveries.map { delivery in
            var row = WebhookDeliveryRow(delivery)
            try row.insert(db)
            return row.delivery
        }
    }

    public func webhookDelivery(id: Int64) async throws -> WebhookDelivery? {
        try readDatabase { db in try WebhookDeliveryRow.fetchOne(db, key: id)?.delivery }
    }

    public func webhookDeliveries(webhookId: Int64, _ page: PageRequest) async throws -> Page<WebhookDeliveryView> {
        try readDatabase { db in
            let request = WebhookDeliveryRow.filter(Column("webhookId") == webhookId)
            let total = try request.fetchCount(db)
            let rows = try request.order(Column("id").desc).limit(page.limit, offset: page.offset).fetchAll(db)
            let ids = rows.compactMap(\.id)
            let attempts = try WebhookAttemptRow.filter(ids.contains(Column("deliveryId"))).order(Column("id")).fetchAll(db)
            let byDelivery = Dictionary(grouping: attempts.map(\.attempt), by: \.deliveryId)
            return Page(
                items: rows.map { WebhookDeliveryView(delivery: $0.delivery, attempts: byDelivery[$0.id ?? 0] ?? []) },
                total: total,
                offset: page.offset,
                limit: page.limit
            )
        }
    }

    public func pendingWebhookHeads() async throws -> [WebhookDelivery] {
        // Driven by the (few) active subscriptions, each head found through the queue index: the cost does not grow
        // with the deliveries kept or a backlog.
        try readDatabase { db in
            try WebhookDeliveryRow.fetchAll(
                db,
                sql: """
                    SELECT d.* FROM (
                        SELECT (SELECT p.id FROM webhook_delivery p WHERE p.webhookId = w.id AND p.status = 'pending'
                                ORDER BY p.id LIMIT 1) AS head
                        FROM webhook w WHERE w.active
                    ) h JOIN webhook_delivery d ON d.id = h.head
                    ORDER BY d.id
                    """
            ).map(\.delivery)
        }
    }

    public func pendingWebhookDeliveries(webhookId: Int64, limit: Int) async throws -> [WebhookDelivery] {
        try readDatabase { db in
            let statement = try db.cachedStatement(
                sql: "SELECT * FROM webhook_delivery WHERE webhookId = ? AND status = 'pending' ORDER BY id LIMIT ?"
            )
            return try WebhookDeliveryRow.fetchAll(statement, arguments: [webhookId, limit]).map(\.delivery)
        }
    }

    public func saveWebhookDelivery(_ delivery: WebhookDelivery, attempt: WebhookAttempt?) async throws {
        try await saveWebhookDeliveries([(delivery, attempt)])
    }

    public func saveWebhookDeliveries(_ outcomes: [(delivery: WebhookDelivery, attempt: WebhookAttempt?)]) async throws {
        guard !outcomes.isEmpty else { return }
        try await writer.write { db in
            try GRDBTransaction(db: db).translate {
                for outcome in outcomes {
                    try WebhookDeliveryRow(outcome.delivery).update(db)
                    if let attempt = outcome.attempt {
                        var row = WebhookAttemptRow(attempt)
                        try row.insert(db)
                    }
                }
            }
        }
    }

    public func pendingWebhookDeliveryCount() async throws -> Int {
        // Per subscription through the queue index, so only pending rows are counted.
        try readDatabase { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM webhook w JOIN webhook_delivery d ON d.webhookId = w.id AND d.status = 'pending'
                    """
            ) ?? 0
        }
    }

    public func deleteFinishedWebhookDeliveries(createdBefore cutoff: Date, limit: Int) async throws -> Int {
        // Oldest first by id (ids follow creation), so the scan stops at the first young row; the batch keeps each
        // write transaction short while deliveries are being saved.
        try await writer.write { db in
            try db.execute(
                sql: """
                    DELETE FROM webhook_delivery WHERE id IN (
                        SELECT id FROM webhook_delivery WHERE status != 'pending' AND createdAt < ? ORDER BY id LIMIT ?)
                    """,
                arguments: [cutoff, limit]
            )
            return db.changesCount
        }
    }
}

/// A subscription as stored: events and filters as JSON text.
struct WebhookRow: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "webhook"
    var id: Int64?
    var companyId: Int64
    var url: String
    var events: String
    var filters: String
    var secret: String
    var active: Bool
    var description: String?
    var createdAt: Date
    var updatedAt: Date

    init(_ webhook: Webhook) {
        id = webhook.id
        companyId = webhook.companyId
        url = webhook.url
        events = (try? String(decoding: JSONEncoder().encode(webhook.events.map(\.rawValue)), as: UTF8.self)) ?? "[]"
        filters = (try? String(decoding: JSONEncoder().encode(webhook.filters), as: UTF8.self)) ?? "{}"
        secret = webhook.secret
        active = webhook.active
        description = webhook.description
        createdAt = webhook.createdAt
        updatedAt = webhook.updatedAt
    }

    var webhook: Webhook {
        let kinds = (try? JSONDecoder().decode([String].self, from: Data(events.utf8))) ?? []
        return Webhook(
            id: id,
            companyId: companyId,
            url: url,
            events: kinds.compactMap(WebhookEventKind.init(rawValue:)),
            filters: (try? JSONDecoder().decode(WebhookFilters.self, from: Data(filters.utf8))) ?? WebhookFilters(),
            secret: secret,
            active: active,
            description: description,
            createdAt: createdAt,
            updatedAt: updatedAt
        )
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A delivery as stored.
struct WebhookDeliveryRow: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "webhook_delivery"
    var id: Int64?
    var webhookId: Int64
    var companyId: Int64
    var domainId: Int64?
    var eventId: String
    var kind: String
    var seq: Int64?
    var body: String
    var status: String
    var attemptCount: Int
    var createdAt: Date
    var windowStart: Date
    var nextAttemptAt: Date?
    var deadReason: String?

    init(_ delivery: WebhookDelivery) {
        id = delivery.id
        webhookId = delivery.webhookId
        companyId = delivery.companyId
        domainId = delivery.domainId
        eventId = delivery.eventId
        kind = delivery.kind.rawValue
        seq = delivery.seq.map { Int64(clamping: $0) }
        body = delivery.body
        status = delivery.status.rawValue
        attemptCount = delivery.attemptCount
        createdAt = delivery.createdAt
        windowStart = delivery.windowStart
        nextAttemptAt = delivery.nextAttemptAt
        deadReason = delivery.deadReason
    }

    var delivery: WebhookDelivery {
        WebhookDelivery(
            id: id,
            webhookId: webhookId,
            companyId: companyId,
            domainId: domainId,
            eventId: eventId,
            kind: WebhookEventKind(rawValue: kind) ?? .ping,
            seq: seq.map { UInt64(clamping: $0) },
            body: body,
            status: WebhookDelivery.Status(rawValue: status) ?? .dead,
            attemptCount: attemptCount,
            createdAt: createdAt,
            windowStart: windowStart,
            nextAttemptAt: nextAttemptAt,
            deadReason: deadReason
        )
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// An attempt as stored.
struct WebhookAttemptRow: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "webhook_attempt"
    var id: Int64?
    var deliveryId: Int64
    var at: Date
    var httpStatus: Int?
    var error: String?
    var durationMs: Int
    var responseExcerpt: String?

    init(_ attempt: WebhookAttempt) {
        id = attempt.id
        deliveryId = attempt.deliveryId
        at = attempt.at
        httpStatus = attempt.httpStatus
        error = attempt.error
        durationMs = attempt.durationMs
        responseExcerpt = attempt.responseExcerpt
    }

    var attempt: WebhookAttempt {
        WebhookAttempt(id: id, deliveryId: deliveryId, at: at, httpStatus: httpStatus, error: error, durationMs: durationMs, responseExcerpt: responseExcerpt)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

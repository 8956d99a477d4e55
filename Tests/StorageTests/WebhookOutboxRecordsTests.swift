import Domain
import Foundation
import GRDB
import Testing

@testable import Storage

/// The webhook outbox on real SQLite (migration v13): the head of each active subscription's queue, the pending count,
/// and the deletion of old finished deliveries with their attempts (never a pending one).
@Suite struct WebhookOutboxRecordsTests {
    func subscriptions(_ store: AppDatabase, active: [Bool], at time: Date) async throws -> [Webhook] {
        let companyId = try await store.write { tx in try tx.insert(Company(name: "Acme")).id! }
        var webhooks: [Webhook] = []
        for (n, isActive) in active.enumerated() {
            webhooks.append(
                try await store.insertWebhook(
                    Webhook(
                        companyId: companyId,
                        url: "https://crm.example/hook/\(n)",
                        events: [.call],
                        secret: "0123456789abcdef0123",
                        active: isActive,
                        createdAt: time,
                        updatedAt: time
                    )
                )
            )
        }
        return webhooks
    }

    func deliveries(_ store: AppDatabase, _ webhook: Webhook, count: Int, at time: Date) async throws -> [WebhookDelivery] {
        try await store.insertWebhookDeliveries(
            (0..<count).map { n in
                WebhookDelivery(
                    webhookId: webhook.id!,
                    companyId: webhook.companyId,
                    domainId: nil,
                    eventId: "e\(webhook.id!)-\(n)",
                    kind: .call,
                    seq: UInt64(n),
                    body: #"{"n":\#(n)}"#,
                    createdAt: time
                )
            }
        )
    }

    func finish(_ store: AppDatabase, _ delivery: WebhookDelivery, as status: WebhookDelivery.Status) async throws {
        var delivery = delivery
        delivery.status = status
        delivery.attemptCount += 1
        let attempt = WebhookAttempt(deliveryId: delivery.id!, at: delivery.createdAt, httpStatus: 200, error: nil, durationMs: 3, responseExcerpt: nil)
        try await store.saveWebhookDelivery(delivery, attempt: attempt)
    }

    @Test func eachActiveSubscriptionHasItsOldestPendingDeliveryAsHead() async throws {
        let store = try AppDatabase.inMemory()
        let time = Date()
        let hooks = try await subscriptions(store, active: [true, true, false, true], at: time)
        let first = try await deliveries(store, hooks[0], count: 3, at: time)
        let second = try await deliveries(store, hooks[1], count: 2, at: time)
        _ = try await deliveries(store, hooks[2], count: 2, at: time)
        // hooks[3] has nothing pending: no head.
        try await finish(store, first[0], as: .delivered)
        try await finish(store, second[0], as: .dead)
        try await finish(store, second[1], as: .delivered)
        let more = try await deliveries(store, hooks[1], count: 1, at: time)

        let heads = try await store.pendingWebhookHeads()
        #expect(heads.map(\.id) == [first[1].id, more[0].id])
        #expect(try await store.pendingWebhookDeliveries(webhookId: hooks[0].id!, limit: 10).map(\.id) == [first[1].id, first[2].id])
        // The depth counts every pending row, the inactive subscription's too (they wait until it is active again).
        #expect(try await store.pendingWebhookDeliveryCount() == 5)
    }

    @Test func oldFinishedDeliveriesAreDeletedWithTheirAttemptsInBatches() async throws {
        let store = try AppDatabase.inMemory()
        let now = Date()
        let old = now.addingTimeInterval(-20 * 86_400)
        let hook = try await subscriptions(store, active: [true], at: old)[0]
        let aged = try await deliveries(store, hook, count: 5, at: old)
        for delivery in aged.prefix(2) { try await finish(store, delivery, as: .delivered) }
        try await finish(store, aged[2], as: .dead)
        // aged[3] and aged[4] are still pending (a receiver down for days): they stay whatever their age.
        let young = try await deliveries(store, hook, count: 1, at: now)
        try await finish(store, young[0], as: .delivered)

        let cutoff = now.addingTimeInterval(-14 * 86_400)
        #expect(try await store.deleteFinishedWebhookDeliveries(createdBefore: cutoff, limit: 2) == 2)
        #expect(try await store.deleteFinishedWebhookDeliveries(createdBefore: cutoff, limit: 2) == 1)
        #expect(try await store.deleteFinishedWebhookDeliveries(createdBefore: cutoff, limit: 2) == 0)

        let left = try await store.webhookDeliveries(webhookId: hook.id!, .all)
        #expect(left.items.map(\.delivery.id) == [young[0].id, aged[4].id, aged[3].id])
        #expect(left.items.first?.attempts.count == 1)
        let attempts = try await store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webhook_attempt") }
        #expect(attempts == 1)
    }
}

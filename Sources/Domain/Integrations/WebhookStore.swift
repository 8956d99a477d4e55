import Foundation

/// Where subscriptions and the webhook outbox are kept (Storage implements it); each method is one transaction.
public protocol WebhookStore: Sendable {
    /// The company's subscriptions, by id.
    func webhooks(companyId: Int64) async throws -> [Webhook]
    func webhook(id: Int64) async throws -> Webhook?
    /// Every active subscription of every company (what events are matched against).
    func activeWebhooks() async throws -> [Webhook]
    func insertWebhook(_ webhook: Webhook) async throws -> Webhook
    func updateWebhook(_ webhook: Webhook) async throws
    /// Deletes the subscription and its deliveries.
    func deleteWebhook(id: Int64) async throws
    /// Adds deliveries to the outbox, in order; answers them with their ids.
    func insertWebhookDeliveries(_ deliveries: [WebhookDelivery]) async throws -> [WebhookDelivery]
    func webhookDelivery(id: Int64) async throws -> WebhookDelivery?
    /// The subscription's deliveries, newest first, with their attempts.
    func webhookDeliveries(webhookId: Int64, _ page: PageRequest) async throws -> Page<WebhookDeliveryView>
    /// The oldest pending delivery of each active subscription: what is sent next, one per subscription.
    func pendingWebhookHeads() async throws -> [WebhookDelivery]
    /// Up to `limit` pending deliveries of one subscription, oldest first (the head and what waits behind it).
    func pendingWebhookDeliveries(webhookId: Int64, limit: Int) async throws -> [WebhookDelivery]
    /// Saves a delivery's new state and, when given, the attempt that led to it, together.
    func saveWebhookDelivery(_ delivery: WebhookDelivery, attempt: WebhookAttempt?) async throws
    /// Saves several deliveries' new states and attempts in one transaction.
    func saveWebhookDeliveries(_ outcomes: [(delivery: WebhookDelivery, attempt: WebhookAttempt?)]) async throws
    /// Pending deliveries over all subscriptions (the outbox depth of /metrics).
    func pendingWebhookDeliveryCount() async throws -> Int
    /// Deletes up to `limit` delivered or dead deliveries (with their attempts) created before `cutoff`, oldest first;
    /// answers how many it deleted. Pending deliveries are never deleted here.
    func deleteFinishedWebhookDeliveries(createdBefore cutoff: Date, limit: Int) async throws -> Int
}

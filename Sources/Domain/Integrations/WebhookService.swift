import Foundation

/// A company's webhook subscriptions and their deliveries (issue 19), for an administrator who sees the company or an
/// API key of the company holding `webhooks:manage`. A subscription of another company answers 404 like a missing one.
public struct WebhookService: Sendable {
    /// Who manages subscriptions.
    public enum Manager: Sendable {
        case admin(AdminPrincipal)
        case apiKey(ApiKeyPrincipal)
    }

    static let maxFilterItems = 500

    let store: any WebhookStore
    let tenants: any TenantStore
    let outbox: WebhookOutbox
    let destination: WebhookDestination
    let now: @Sendable () -> Date

    public init(
        store: any WebhookStore,
        tenants: any TenantStore,
        outbox: WebhookOutbox,
        destination: WebhookDestination,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.tenants = tenants
        self.outbox = outbox
        self.destination = destination
        self.now = now
    }

    /// The company's subscriptions (secrets are the caller's to leave out).
    public func webhooks(_ manager: Manager, companyId: Int64) async throws -> [Webhook] {
        try await require(manager, companyId: companyId)
        return try await store.webhooks(companyId: companyId)
    }

    public func webhook(_ manager: Manager, companyId: Int64, id: Int64) async throws -> Webhook {
        try await require(manager, companyId: companyId)
        return try await find(companyId: companyId, id: id)
    }

    /// Creates a subscription; its secret is generated unless given.
    public func create(_ manager: Manager, companyId: Int64, _ input: WebhookInput) async throws -> Webhook {
        try await require(manager, companyId: companyId)
        guard let url = input.url else { throw DomainError.invalid(field: "url", "url is required") }
        guard let events = input.events, !events.isEmpty else { throw DomainError.invalid(field: "events", "events must name at least one kind") }
        let filters = input.filters ?? WebhookFilters()
        try await checkFilters(filters, companyId: companyId)
        try await destination.check(url)
        let secret = input.secret ?? WebhookSignature.newSecret()
        guard secret.count >= 16 else { throw DomainError.invalid(field: "secret", "secret must have at least 16 characters") }
        let time = now()
        let webhook = try await store.insertWebhook(
            Webhook(
                companyId: companyId,
                url: url,
                events: Array(Set(events)).sorted(),
                filters: filters,
                secret: secret,
                active: input.active ?? true,
                description: input.description,
                createdAt: time,
                updatedAt: time
            )
        )
        outbox.subscriptionsChanged()
        return webhook
    }

    /// Changes the members `input` gives (not the secret: see `rotateSecret`).
    public func update(_ manager: Manager, companyId: Int64, id: Int64, _ input: WebhookInput) async throws -> Webhook {
        try await require(manager, companyId: companyId)
        var webhook = try await find(companyId: companyId, id: id)
        if input.secret != nil { throw DomainError.invalid(field: "secret", "the secret is changed with rotate-secret") }
        if let url = input.url {
            try await destination.check(url)
            webhook.url = url
        }
        if let events = input.events {
            guard !events.isEmpty else { throw DomainError.invalid(field: "events", "events must name at least one kind") }
            webhook.events = Array(Set(events)).sorted()
        }
        if let filters = input.filters {
            try await checkFilters(filters, companyId: companyId)
            webhook.filters = filters
        }
        if let active = input.active { webhook.active = active }
        if let description = input.description { webhook.description = description }
        webhook.updatedAt = now()
        try await store.updateWebhook(webhook)
        outbox.subscriptionsChanged()
        // Reactivated: its pending deliveries go out now.
        outbox.doorbell.ring()
        return webhook
    }

    public func delete(_ manager: Manager, companyId: Int64, id: Int64) async throws {
        try await require(manager, companyId: companyId)
        _ = try await find(companyId: companyId, id: id)
        try await store.deleteWebhook(id: id)
        outbox.subscriptionsChanged()
    }

    /// A new generated secret, answered once.
    public func rotateSecret(_ manager: Manager, companyId: Int64, id: Int64) async throws -> Webhook {
        try await require(manager, companyId: companyId)
        var webhook = try await find(companyId: companyId, id: id)
        webhook.secret = WebhookSignature.newSecret()
        webhook.updatedAt = now()
        try await store.updateWebhook(webhook)
        return webhook
    }

    /// Queues a `ping` delivery (sent even when the subscription does not list `ping`).
    public func ping(_ manager: Manager, companyId: Int64, id: Int64) async throws -> WebhookDeliveryView {
        try await require(manager, companyId: companyId)
        let webhook = try await find(companyId: companyId, id: id)
        let time = now()
        let eventId = UUID().uuidString.lowercased()
        let body = WebhookOutbox.body(
            eventId: eventId,
            kind: .ping,
            seq: nil,
            time: time,
            companyId: companyId,
            domainId: nil,
            data: #"{"webhookId":\#(id)}"#
        )
        let rows = try await store.insertWebhookDeliveries([
            WebhookDelivery(webhookId: id, companyId: webhook.companyId, domainId: nil, eventId: eventId, kind: .ping, seq: nil, body: body, createdAt: time)
        ])
        outbox.doorbell.ring()
        return WebhookDeliveryView(delivery: rows[0], attempts: [])
    }

    /// The subscription's deliveries, newest first.
    public func deliveries(_ manager: Manager, companyId: Int64, id: Int64, _ page: PageRequest) async throws -> Page<WebhookDeliveryView> {
        try await require(manager, companyId: companyId)
        _ = try await find(companyId: companyId, id: id)
        return try await store.webhookDeliveries(webhookId: id, page)
    }

    /// Queues a dead or delivered delivery again, with a new retry window; a pending one answers 409 `delivery_pending`.
    public func retry(_ manager: Manager, companyId: Int64, id: Int64, deliveryId: Int64) async throws -> WebhookDeliveryView {
        try await require(manager, companyId: companyId)
        _ = try await find(companyId: companyId, id: id)
        guard var delivery = try await store.webhookDelivery(id: deliveryId), delivery.webhookId == id else {
            throw DomainError.notFound("Delivery")
        }
        guard delivery.status != .pending else { throw DomainError.conflict(code: "delivery_pending", "The delivery is already waiting to be sent") }
        delivery.status = .pending
        delivery.windowStart = now()
        delivery.nextAttemptAt = nil
        delivery.deadReason = nil
        try await store.saveWebhookDelivery(delivery, attempt: nil)
        outbox.doorbell.ring()
        let page = try await store.webhookDeliveries(webhookId: id, PageRequest.all)
        return page.items.first { $0.delivery.id == deliveryId } ?? WebhookDeliveryView(delivery: delivery, attempts: [])
    }

    /// An administrator who sees the company, or a key of the company with `webhooks:manage`; 404 for other companies.
    func require(_ manager: Manager, companyId: Int64) async throws {
        switch manager {
        case .admin(let admin):
            try admin.requireReady()
            guard admin.canSee(companyId: companyId) else { throw DomainError.notFound("Company") }
        case .apiKey(let key):
            guard key.companyId == companyId else { throw DomainError.notFound("Company") }
            try key.require(.webhooksManage)
        }
        guard try await tenants.read({ tx in try tx.company(id: companyId) }) != nil else { throw DomainError.notFound("Company") }
    }

    private func find(companyId: Int64, id: Int64) async throws -> Webhook {
        guard let webhook = try await store.webhook(id: id), webhook.companyId == companyId else { throw DomainError.notFound("Webhook") }
        return webhook
    }

    /// Users, groups and devices of the filters must be the company's (404 naming the field otherwise).
    private func checkFilters(_ filters: WebhookFilters, companyId: Int64) async throws {
        for (field, count) in [("filters.users", filters.users.count), ("filters.groups", filters.groups.count), ("filters.devices", filters.devices.count)]
        where count > Self.maxFilterItems {
            throw DomainError.invalid(field: field, "\(field) takes at most \(Self.maxFilterItems) items")
        }
        try await tenants.read { tx in
            for userId in filters.users {
                guard try tx.user(id: userId)?.companyId == companyId else {
                    throw DomainError.missing(field: "filters.users", "User \(userId) does not exist")
                }
            }
            for groupId in filters.groups {
                guard try tx.group(id: groupId)?.companyId == companyId else {
                    throw DomainError.missing(field: "filters.groups", "Group \(groupId) does not exist")
                }
            }
            let domains = try tx.domains(companyIds: [companyId], named: nil).compactMap(\.id)
            for number in filters.devices {
                let known = try domains.contains { try tx.device(domainId: $0, number: number) != nil }
                if !known { throw DomainError.missing(field: "filters.devices", "Device \(number) does not exist") }
            }
        }
    }
}

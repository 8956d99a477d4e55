import API
import Auth
import Domain
import Foundation

/// Webhook subscriptions of a company (issue 19): thin handlers over `WebhookService`, for an administrator or an API
/// key with `webhooks:manage`.
extension TWSAPI {
    package func listWebhooks(_ input: Operations.ListWebhooks.Input) async throws -> Operations.ListWebhooks.Output {
        let list = try await webhooks.webhooks(try Self.webhookManager(), companyId: input.path.companyId)
        return .ok(.init(body: .json(.init(items: try list.map { try Components.Schemas.Webhook($0, showingSecret: false) }))))
    }

    package func createWebhook(_ input: Operations.CreateWebhook.Input) async throws -> Operations.CreateWebhook.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let created = try await webhooks.create(
            try Self.webhookManager(),
            companyId: input.path.companyId,
            WebhookInput(
                url: body.url,
                events: try body.events.map { try convert($0, field: "events") },
                filters: body.filters.map(WebhookFilters.init),
                secret: body.secret,
                active: body.active,
                description: body.description
            )
        )
        return .created(.init(body: .json(try .init(created, showingSecret: true))))
    }

    package func getWebhook(_ input: Operations.GetWebhook.Input) async throws -> Operations.GetWebhook.Output {
        let webhook = try await webhooks.webhook(try Self.webhookManager(), companyId: input.path.companyId, id: input.path.webhookId)
        return .ok(.init(body: .json(try .init(webhook, showingSecret: false))))
    }

    package func updateWebhook(_ input: Operations.UpdateWebhook.Input) async throws -> Operations.UpdateWebhook.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let webhook = try await webhooks.update(
            try Self.webhookManager(),
            companyId: input.path.companyId,
            id: input.path.webhookId,
            WebhookInput(
                url: body.url,
                events: try body.events.map { try $0.map { try convert($0, field: "events") } },
                filters: body.filters.map(WebhookFilters.init),
                active: body.active,
                description: body.description
            )
        )
        return .ok(.init(body: .json(try .init(webhook, showingSecret: false))))
    }

    package func deleteWebhook(_ input: Operations.DeleteWebhook.Input) async throws -> Operations.DeleteWebhook.Output {
        try await webhooks.delete(try Self.webhookManager(), companyId: input.path.companyId, id: input.path.webhookId)
        return .noContent(.init())
    }

    package func pingWebhook(_ input: Operations.PingWebhook.Input) async throws -> Operations.PingWebhook.Output {
        let view = try await webhooks.ping(try Self.webhookManager(), companyId: input.path.companyId, id: input.path.webhookId)
        return .accepted(.init(body: .json(try .init(view))))
    }

    package func rotateWebhookSecret(_ input: Operations.RotateWebhookSecret.Input) async throws -> Operations.RotateWebhookSecret.Output {
        let webhook = try await webhooks.rotateSecret(try Self.webhookManager(), companyId: input.path.companyId, id: input.path.webhookId)
        return .ok(.init(body: .json(try .init(webhook, showingSecret: true))))
    }

    package func listWebhookDeliveries(_ input: Operations.ListWebhookDeliveries.Input) async throws -> Operations.ListWebhookDeliveries.Output {
        let page = try await webhooks.deliveries(
            try Self.webhookManager(),
            companyId: input.path.companyId,
            id: input.path.webhookId,
            PageRequest(offset: input.query.offset, limit: input.query.limit, q: nil)
        )
        return .ok(.init(body: .json(try wirePage(page, Components.Schemas.WebhookDeliveryPage.init, Components.Schemas.WebhookDelivery.init))))
    }

    package func retryWebhookDelivery(_ input: Operations.RetryWebhookDelivery.Input) async throws -> Operations.RetryWebhookDelivery.Output {
        let view = try await webhooks.retry(
            try Self.webhookManager(),
            companyId: input.path.companyId,
            id: input.path.webhookId,
            deliveryId: input.path.deliveryId
        )
        return .accepted(.init(body: .json(try .init(view))))
    }

    /// The administrator or API key of the request; 401 for anyone else.
    static func webhookManager() throws -> WebhookService.Manager {
        if case .apiKey(let key) = Caller.current { return .apiKey(key) }
        return .admin(try Caller.current.admin())
    }
}

extension WebhookFilters {
    init(_ filters: Components.Schemas.WebhookFilters) {
        self.init(users: filters.users ?? [], groups: filters.groups ?? [], devices: filters.devices ?? [])
    }
}

extension Components.Schemas.Webhook {
    init(_ webhook: Webhook, showingSecret: Bool) throws {
        self.init(
            id: webhook.id ?? 0,
            companyId: webhook.companyId,
            url: webhook.url,
            events: try webhook.events.map { try convert($0, field: "events") },
            filters: .init(users: webhook.filters.users, groups: webhook.filters.groups, devices: webhook.filters.devices),
            active: webhook.active,
            description: webhook.description,
            secret: showingSecret ? webhook.secret : nil,
            createdAt: webhook.createdAt,
            updatedAt: webhook.updatedAt
        )
    }
}

extension Components.Schemas.WebhookDelivery {
    init(_ view: WebhookDeliveryView) throws {
        let delivery = view.delivery
        self.init(
            id: delivery.id ?? 0,
            eventId: delivery.eventId,
            kind: try convert(delivery.kind, field: "kind"),
            seq: delivery.seq.map { Int64(clamping: $0) },
            status: try convert(delivery.status, field: "status"),
            createdAt: delivery.createdAt,
            nextAttemptAt: delivery.status == .pending ? delivery.nextAttemptAt : nil,
            deadReason: delivery.deadReason,
            attempts: view.attempts.map { attempt in
                .init(
                    at: attempt.at,
                    httpStatus: attempt.httpStatus.map { Int32(clamping: $0) },
                    error: attempt.error,
                    durationMs: Int32(clamping: attempt.durationMs),
                    responseExcerpt: attempt.responseExcerpt
                )
            }
        )
    }
}

import Foundation
import Synchronization
import Testing

@testable import Domain

/// Webhooks (issue 19): filter matching, the retry schedule, the signature, refused destinations, and who may manage
/// subscriptions (an administrator of the company, or a key of the company holding `webhooks:manage`).
@Suite("Webhooks (Domain)")
struct WebhookDomainTests {
    // MARK: Filters

    static let route = WebhookRoute(
        webhookId: 1,
        companyId: 1,
        kinds: [.call, .presence, .callLog, .directorySync],
        everything: false,
        userIds: [10],
        devices: ["1001", "2001"]
    )

    @Test(
        "A filtered subscription takes events about its users and devices, and events about nobody",
        arguments: [
            (WebhookEventKind.call, WebhookSubject.device("1001", userId: nil), true),
            (.call, .device("2001", userId: nil), true),
            (.call, .device("1002", userId: nil), false),
            (.callLog, .device("1002", userId: 10), true),
            (.callLog, .device("1002", userId: 11), false),
            (.presence, .user(10), true),
            (.presence, .user(11), false),
            (.directorySync, .nothing, true),
            (.ping, .nothing, false),
            (.callback, .user(10), false),
        ]
    )
    func filteredRouteMatches(kind: WebhookEventKind, subject: WebhookSubject, expected: Bool) {
        #expect(Self.route.matches(kind, subject) == expected)
    }

    @Test("No filter means every event of the kinds asked for")
    func unfilteredRouteTakesEverything() {
        var route = Self.route
        route.everything = true
        #expect(route.matches(.call, .device("9999", userId: nil)))
        #expect(route.matches(.presence, .user(99)))
        #expect(!route.matches(.ping, .nothing))
    }

    @Test("A route is built from its users, its groups' members and their devices")
    func routeResolvesFilters() {
        let webhook = Webhook(
            id: 7,
            companyId: 3,
            url: "https://crm.example/hook",
            events: [.call],
            filters: WebhookFilters(users: [1], groups: [5], devices: ["3000"]),
            secret: "0123456789abcdef",
            createdAt: Date(),
            updatedAt: Date()
        )
        let route = WebhookRoute(webhook, members: [2], userDevices: ["1001", "1002"])
        #expect(route.userIds == [1, 2])
        #expect(route.devices == ["3000", "1001", "1002"])
        #expect(!route.everything)
        #expect(route.matches(.call, .device("1002", userId: nil)))
        #expect(!route.matches(.call, .device("1003", userId: nil)))
    }

    // MARK: Backoff

    @Test("The delay doubles from the base up to the cap; jitter keeps it between half and all of that")
    func backoffSchedule() {
        let backoff = WebhookBackoff(base: 1, cap: 3600, window: 86_400)
        #expect((1...14).map { backoff.ceiling(afterFailures: $0) } == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600, 3600])
        #expect(backoff.ceiling(afterFailures: 500) == 3600)
        #expect(backoff.delay(afterFailures: 4, random: 0) == 4)
        #expect(backoff.delay(afterFailures: 4, random: 1) == 8)
        #expect(backoff.delay(afterFailures: 4, random: 0.5) == 6)
    }

    @Test("A retry that would fall after the window ends makes the delivery dead")
    func backoffWindowEnds() {
        let backoff = WebhookBackoff(base: 1, cap: 3600, window: 86_400)
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let early = backoff.nextAttempt(afterFailures: 3, windowStart: start, now: start.addingTimeInterval(10), random: 1)
        #expect(early == start.addingTimeInterval(14))
        let late = start.addingTimeInterval(86_400 - 100)
        #expect(backoff.nextAttempt(afterFailures: 20, windowStart: start, now: late, random: 0) == nil)
        #expect(backoff.nextAttempt(afterFailures: 1, windowStart: start, now: late, random: 0) == late.addingTimeInterval(0.5))
    }

    // MARK: Signature

    @Test("The signature is HMAC-SHA256 over timestamp, dot and body (vector from Python's hmac)")
    func signatureVector() {
        let header = WebhookSignature.header(secret: "whsec-test-0123456789", timestamp: 1_700_000_000, body: #"{"a":1}"#)
        #expect(header == "t=1700000000,v1=ba8ec7f38c4e076a99176a1bf98ae9f2f3f4e18412b46a5913ddcf5685932c6a")
        #expect(WebhookSignature.hex(secret: "other-secret-0123456", timestamp: 1_700_000_000, body: #"{"a":1}"#) != header.dropFirst(16))
        let secret = WebhookSignature.newSecret()
        #expect(secret.count == 64 && secret != WebhookSignature.newSecret())
    }

    // MARK: Destinations

    @Test(
        "Loopback, link-local, private, shared and unspecified addresses are refused; public ones are not",
        arguments: [
            ([127, 0, 0, 1], true), ([10, 1, 2, 3], true), ([172, 16, 0, 1], true), ([172, 31, 255, 255], true), ([172, 32, 0, 1], false),
            ([192, 168, 1, 1], true), ([169, 254, 169, 254], true), ([100, 64, 0, 1], true), ([100, 128, 0, 1], false), ([0, 0, 0, 0], true),
            ([93, 184, 216, 34], false), ([8, 8, 8, 8], false),
            ([UInt8](repeating: 0, count: 15) + [1], true), ([UInt8](repeating: 0, count: 16), true),
            ([0xfe, 0x80] + [UInt8](repeating: 0, count: 13) + [1], true), ([0xfd, 0x12] + [UInt8](repeating: 0, count: 14), true),
            ([UInt8](repeating: 0, count: 10) + [0xff, 0xff, 127, 0, 0, 1], true),
            ([UInt8](repeating: 0, count: 10) + [0xff, 0xff, 8, 8, 8, 8], false),
            ([0x26, 0x06, 0x28, 0x00] + [UInt8](repeating: 0, count: 12), false),
        ] as [([UInt8], Bool)]
    )
    func restrictedAddresses(address: [UInt8], restricted: Bool) {
        #expect(WebhookDestination.isRestricted(address) == restricted)
    }

    @Test("URLs must be http or https with a host; a private destination is refused with 422 unless allowed")
    func destinationCheck() async throws {
        for bad in ["ftp://example.com/x", "not a url", "https:///path", "https://user:pw@example.com/"] {
            #expect(throws: DomainError.self) { try WebhookDestination.host(of: bad) }
        }
        #expect(try WebhookDestination.host(of: "http://[::1]:8080/x") == "::1")
        let refusing = WebhookDestination(resolver: FixedResolver(addresses: [[127, 0, 0, 1]]), allowsPrivate: false)
        let error = await #expect(throws: DomainError.self) { try await refusing.check("http://localhost:9/hook") }
        #expect(error?.code == "webhook_destination_refused" && error?.kind == .unprocessable)
        let allowing = WebhookDestination(resolver: FixedResolver(addresses: [[127, 0, 0, 1]]), allowsPrivate: true)
        try await allowing.check("http://localhost:9/hook")
        let publicOnly = WebhookDestination(resolver: FixedResolver(addresses: [[93, 184, 216, 34]]), allowsPrivate: false)
        try await publicOnly.check("https://crm.example/hook")
    }

    // MARK: Who manages subscriptions

    @Test("A key of the company with webhooks:manage manages its webhooks; without the scope 403, another company's key 404")
    func apiKeyPrincipalManagesItsCompanysWebhooks() async throws {
        let tenants = InMemoryStore()
        let (companyId, otherId) = try await tenants.write { tx in
            (try tx.insert(Company(name: "Acme")).id!, try tx.insert(Company(name: "Other")).id!)
        }
        let store = MemoryWebhookStore()
        let outbox = WebhookOutbox(store: store, tenants: tenants, bus: EventBus(), doorbell: Doorbell())
        let service = WebhookService(
            store: store,
            tenants: tenants,
            outbox: outbox,
            destination: WebhookDestination(resolver: FixedResolver(addresses: [[93, 184, 216, 34]]), allowsPrivate: false)
        )
        let key = ApiKeyPrincipal(keyId: 1, companyId: companyId, scopes: [.webhooksManage])
        let created = try await service.create(.apiKey(key), companyId: companyId, WebhookInput(url: "https://crm.example/hook", events: [.call, .call]))
        #expect(created.events == [.call] && created.secret.count == 64 && created.active)
        #expect(try await service.webhooks(.apiKey(key), companyId: companyId).map(\.id) == [created.id])

        let unscoped = ApiKeyPrincipal(keyId: 2, companyId: companyId, scopes: [.callsRead])
        let forbidden = await #expect(throws: DomainError.self) { try await service.webhooks(.apiKey(unscoped), companyId: companyId) }
        #expect(forbidden?.code == "scope_not_granted")

        let foreign = ApiKeyPrincipal(keyId: 3, companyId: otherId, scopes: [.webhooksManage])
        let hidden = await #expect(throws: DomainError.self) { try await service.webhook(.apiKey(foreign), companyId: companyId, id: created.id!) }
        #expect(hidden?.kind == .notFound)
        // Its own company's path does not reach the webhook either.
        let elsewhere = await #expect(throws: DomainError.self) { try await service.webhook(.apiKey(foreign), companyId: otherId, id: created.id!) }
        #expect(elsewhere?.kind == .notFound)

        let admin = AdminPrincipal(adminId: 9, username: "other-admin", superUser: false, companyIds: [otherId], mustChangePassword: false, sessionTokenId: "t")
        let notSeen = await #expect(throws: DomainError.self) { try await service.webhooks(.admin(admin), companyId: companyId) }
        #expect(notSeen?.kind == .notFound)
    }

    @Test("Filters must name users, groups and devices of the company; a pending delivery cannot be retried")
    func filtersAndRetryRules() async throws {
        let tenants = InMemoryStore()
        let (companyId, otherUser) = try await tenants.write { tx in
            let company = try tx.insert(Company(name: "Acme"))
            let other = try tx.insert(Company(name: "Other"))
            let domain = try tx.insert(CompanyDomain(companyId: other.id!, name: "Paris", numberingPlanLength: 4))
            return (company.id!, try tx.insert(User(companyId: other.id!, domainId: domain.id!, username: "eve")).id!)
        }
        let store = MemoryWebhookStore()
        let outbox = WebhookOutbox(store: store, tenants: tenants, bus: EventBus(), doorbell: Doorbell())
        let service = WebhookService(
            store: store,
            tenants: tenants,
            outbox: outbox,
            destination: WebhookDestination(resolver: FixedResolver(addresses: [[127, 0, 0, 1]]), allowsPrivate: true)
        )
        let key = ApiKeyPrincipal(keyId: 1, companyId: companyId, scopes: [.webhooksManage])
        let foreignUser = await #expect(throws: DomainError.self) {
            try await service.create(.apiKey(key), companyId: companyId, WebhookInput(url: "http://127.0.0.1:9/", events: [.call], filters: .init(users: [otherUser])))
        }
        #expect(foreignUser?.field == "filters.users" && foreignUser?.kind == .notFound)
        let webhook = try await service.create(.apiKey(key), companyId: companyId, WebhookInput(url: "http://127.0.0.1:9/", events: [.call]))
        let ping = try await service.ping(.apiKey(key), companyId: companyId, id: webhook.id!)
        #expect(ping.delivery.kind == .ping && ping.delivery.status == .pending)
        #expect(ping.delivery.body.contains(#""kind":"ping""#))
        let pending = await #expect(throws: DomainError.self) {
            try await service.retry(.apiKey(key), companyId: companyId, id: webhook.id!, deliveryId: ping.delivery.id!)
        }
        #expect(pending?.code == "delivery_pending")
    }
}

extension WebhookDomainTests {
    @Test("An attempt: refused at delivery time is dead with the reason, a 2xx is delivered and signed, a 500 is retried later")
    func dispatcherAttempts() async throws {
        let store = MemoryWebhookStore()
        let time = Date()
        let webhook = try await store.insertWebhook(
            Webhook(companyId: 1, url: "https://crm.example/hook", events: [.call], secret: "0123456789abcdef0123", createdAt: time, updatedAt: time)
        )
        let rows = try await store.insertWebhookDeliveries(
            (1...3).map { n in
                WebhookDelivery(webhookId: webhook.id!, companyId: 1, domainId: 1, eventId: "e\(n)", kind: .call, seq: UInt64(n), body: #"{"n":\#(n)}"#, createdAt: time)
            }
        )
        let sender = RecordingSender(status: 204)
        func dispatcher(_ addresses: [[UInt8]], _ sender: RecordingSender) -> WebhookDispatcher {
            WebhookDispatcher(
                store: store,
                sender: sender,
                destination: WebhookDestination(resolver: FixedResolver(addresses: addresses), allowsPrivate: false),
                doorbell: Doorbell(),
                configuration: .init(backoff: WebhookBackoff(base: 10, cap: 100, window: 1000))
            )
        }

        try await dispatcher([[10, 0, 0, 1]], sender).attempt(rows[0], webhook)
        let refused = try #require(try await store.webhookDelivery(id: rows[0].id!))
        #expect(refused.status == .dead && refused.deadReason?.contains("private") == true && sender.requests.isEmpty)

        try await dispatcher([[93, 184, 216, 34]], sender).attempt(rows[1], webhook)
        #expect(try await store.webhookDelivery(id: rows[1].id!)?.status == .delivered)
        let request = try #require(sender.requests.first)
        let headers = Dictionary(request.headers, uniquingKeysWith: { first, _ in first })
        let timestamp = try #require(headers["TWS-Webhook-Timestamp"].flatMap { Int64($0) })
        #expect(headers["TWS-Webhook-Id"] == String(rows[1].id!) && headers["Content-Type"] == "application/json")
        #expect(headers["TWS-Signature"] == WebhookSignature.header(secret: webhook.secret, timestamp: timestamp, body: #"{"n":2}"#))
        #expect(request.body == #"{"n":2}"#)

        let failing = RecordingSender(status: 500)
        try await dispatcher([[93, 184, 216, 34]], failing).attempt(rows[2], webhook)
        let retried = try #require(try await store.webhookDelivery(id: rows[2].id!))
        #expect(retried.status == .pending && retried.attemptCount == 1)
        #expect(retried.nextAttemptAt.map { $0.timeIntervalSince(time) >= 5 } == true)
        let attempts = try await store.webhookDeliveries(webhookId: webhook.id!, .all).items.first { $0.delivery.id == rows[2].id }?.attempts
        #expect(attempts?.map(\.httpStatus) == [500] && attempts?.first?.error == "HTTP 500")
    }
}

extension WebhookDomainTests {
    @Test("The dispatcher deletes finished deliveries older than the retention, keeps pending ones, and reports the depth")
    func dispatcherRetention() async throws {
        let store = MemoryWebhookStore()
        let time = Date()
        let old = time.addingTimeInterval(-15 * 86_400)
        let webhook = try await store.insertWebhook(
            Webhook(companyId: 1, url: "https://crm.example/hook", events: [.call], secret: "0123456789abcdef0123", active: false, createdAt: old, updatedAt: old)
        )
        let rows = try await store.insertWebhookDeliveries(
            (1...3).map { n in
                WebhookDelivery(webhookId: webhook.id!, companyId: 1, domainId: 1, eventId: "e\(n)", kind: .call, seq: UInt64(n), body: "{}", createdAt: old)
            }
        )
        for row in rows.prefix(2) {
            var done = row
            done.status = row.id == rows[0].id ? .delivered : .dead
            try await store.saveWebhookDelivery(done, attempt: nil)
        }
        let dispatcher = WebhookDispatcher(
            store: store,
            sender: RecordingSender(status: 204),
            destination: WebhookDestination(resolver: FixedResolver(addresses: [[93, 184, 216, 34]]), allowsPrivate: false),
            doorbell: Doorbell(),
            configuration: .init(retention: 14 * 86_400)
        )
        let loop = Task { await dispatcher.run() }
        for _ in 0..<200 where try await store.webhookDelivery(id: rows[0].id!) != nil { try await Task.sleep(for: .milliseconds(10)) }
        dispatcher.finish()
        await loop.value
        #expect(try await store.webhookDelivery(id: rows[0].id!) == nil)
        #expect(try await store.webhookDelivery(id: rows[1].id!) == nil)
        #expect(try await store.webhookDelivery(id: rows[2].id!)?.status == .pending)
        #expect(dispatcher.outboxDepth == 1)
    }
}

extension WebhookDomainTests {
    @Test("A busy queue is sent in order with outcomes saved in few transactions; a failure stops the queue behind it")
    func dispatcherBatches() async throws {
        let store = MemoryWebhookStore()
        let time = Date().addingTimeInterval(-1)
        let webhook = try await store.insertWebhook(
            Webhook(companyId: 1, url: "https://crm.example/hook", events: [.call], secret: "0123456789abcdef0123", createdAt: time, updatedAt: time)
        )
        let rows = try await store.insertWebhookDeliveries(
            (1...230).map { n in
                WebhookDelivery(webhookId: webhook.id!, companyId: 1, domainId: 1, eventId: "e\(n)", kind: .call, seq: UInt64(n), body: #"{"n":\#(n)}"#, createdAt: time)
            }
        )
        let sender = FailingAtSender(failing: #"{"n":150}"#)
        let doorbell = Doorbell()
        let dispatcher = WebhookDispatcher(
            store: store,
            sender: sender,
            destination: WebhookDestination(resolver: FixedResolver(addresses: [[93, 184, 216, 34]]), allowsPrivate: false),
            doorbell: doorbell,
            configuration: .init(backoff: WebhookBackoff(base: 3600, cap: 3600, window: 86_400))
        )
        let loop = Task { await dispatcher.run() }
        for _ in 0..<500 where try await store.webhookDelivery(id: rows[149].id!)?.attemptCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(100))
        dispatcher.finish()
        await loop.value
        // In order, once each, up to the failing one; nothing behind it was tried.
        #expect(sender.bodies == (1...150).map { #"{"n":\#($0)}"# })
        for row in rows.prefix(149) { #expect(try await store.webhookDelivery(id: row.id!)?.status == .delivered) }
        let failed = try #require(try await store.webhookDelivery(id: rows[149].id!))
        #expect(failed.status == .pending && failed.attemptCount == 1 && failed.nextAttemptAt != nil)
        #expect(try await store.webhookDelivery(id: rows[150].id!)?.attemptCount == 0)
        // 150 outcomes in a handful of transactions, not one each.
        #expect(store.saves <= 8, "\(store.saves) saves")
        #expect(dispatcher.counters.delivered == 149 && dispatcher.counters.failed == 1)
    }
}

/// Answers 200, except 500 for the one body given; records every body in order.
final class FailingAtSender: WebhookSender {
    let failing: String
    private let sent = Mutex<[String]>([])

    init(failing: String) { self.failing = failing }

    var bodies: [String] { sent.withLock { $0 } }

    func post(url: String, headers: [(String, String)], body: String, timeout: Duration) async -> WebhookSendResult {
        sent.withLock { $0.append(body) }
        return WebhookSendResult(status: body == failing ? 500 : 200, error: nil, excerpt: nil)
    }
}

/// Records what it is asked to send and answers `status`.
final class RecordingSender: WebhookSender {
    struct Request: Sendable {
        var url: String
        var headers: [(String, String)]
        var body: String
    }

    let status: Int
    private let sent = Mutex<[Request]>([])

    init(status: Int) { self.status = status }

    var requests: [Request] { sent.withLock { $0 } }

    func post(url: String, headers: [(String, String)], body: String, timeout: Duration) async -> WebhookSendResult {
        sent.withLock { $0.append(Request(url: url, headers: headers, body: body)) }
        return WebhookSendResult(status: status, error: nil, excerpt: nil)
    }
}

/// Answers the same addresses for every host.
struct FixedResolver: WebhookResolver {
    var addresses: [[UInt8]]
    func addresses(host: String) async throws -> [[UInt8]] { addresses }
}

/// `WebhookStore` in memory, for the service's rules.
final class MemoryWebhookStore: WebhookStore {
    private struct Tables {
        var webhooks: [Int64: Webhook] = [:]
        var deliveries: [Int64: WebhookDelivery] = [:]
        var attempts: [WebhookAttempt] = []
        var nextId: Int64 = 1
    }

    private let tables = Mutex(Tables())
    private let saveCount = Mutex(0)
    /// Write transactions of outcomes so far.
    var saves: Int { saveCount.withLock { $0 } }

    func webhooks(companyId: Int64) async throws -> [Webhook] {
        tables.withLock { $0.webhooks.values.filter { $0.companyId == companyId }.sorted { $0.id! < $1.id! } }
    }
    func webhook(id: Int64) async throws -> Webhook? { tables.withLock { $0.webhooks[id] } }
    func activeWebhooks() async throws -> [Webhook] { tables.withLock { $0.webhooks.values.filter(\.active).sorted { $0.id! < $1.id! } } }
    func insertWebhook(_ webhook: Webhook) async throws -> Webhook {
        tables.withLock { tables in
            var webhook = webhook
            webhook.id = tables.nextId
            tables.nextId += 1
            tables.webhooks[webhook.id!] = webhook
            return webhook
        }
    }
    func updateWebhook(_ webhook: Webhook) async throws { tables.withLock { $0.webhooks[webhook.id!] = webhook } }
    func deleteWebhook(id: Int64) async throws {
        tables.withLock { tables in
            tables.webhooks[id] = nil
            tables.deliveries = tables.deliveries.filter { $0.value.webhookId != id }
        }
    }
    func insertWebhookDeliveries(_ deliveries: [WebhookDelivery]) async throws -> [WebhookDelivery] {
        tables.withLock { tables in
            deliveries.map { delivery in
                var delivery = delivery
                delivery.id = tables.nextId
                tables.nextId += 1
                tables.deliveries[delivery.id!] = delivery
                return delivery
            }
        }
    }
    func webhookDelivery(id: Int64) async throws -> WebhookDelivery? { tables.withLock { $0.deliveries[id] } }
    func webhookDeliveries(webhookId: Int64, _ page: PageRequest) async throws -> Page<WebhookDeliveryView> {
        tables.withLock { tables in
            let all = tables.deliveries.values.filter { $0.webhookId == webhookId }.sorted { $0.id! > $1.id! }
            let items = all.dropFirst(page.offset).prefix(page.limit).map { delivery in
                WebhookDeliveryView(delivery: delivery, attempts: tables.attempts.filter { $0.deliveryId == delivery.id })
            }
            return Page(items: Array(items), total: all.count, offset: page.offset, limit: page.limit)
        }
    }
    func pendingWebhookHeads() async throws -> [WebhookDelivery] {
        tables.withLock { tables in
            Dictionary(grouping: tables.deliveries.values.filter { $0.status == .pending && tables.webhooks[$0.webhookId]?.active == true }, by: \.webhookId)
                .values.compactMap { $0.min { $0.id! < $1.id! } }
        }
    }
    func pendingWebhookDeliveries(webhookId: Int64, limit: Int) async throws -> [WebhookDelivery] {
        tables.withLock { tables in
            Array(tables.deliveries.values.filter { $0.webhookId == webhookId && $0.status == .pending }.sorted { $0.id! < $1.id! }.prefix(limit))
        }
    }
    func saveWebhookDelivery(_ delivery: WebhookDelivery, attempt: WebhookAttempt?) async throws {
        try await saveWebhookDeliveries([(delivery, attempt)])
    }
    func saveWebhookDeliveries(_ outcomes: [(delivery: WebhookDelivery, attempt: WebhookAttempt?)]) async throws {
        saveCount.withLock { $0 += 1 }
        tables.withLock { tables in
            for (delivery, attempt) in outcomes {
                tables.deliveries[delivery.id!] = delivery
                if let attempt { tables.attempts.append(attempt) }
            }
        }
    }
    func pendingWebhookDeliveryCount() async throws -> Int { tables.withLock { $0.deliveries.values.filter { $0.status == .pending }.count } }
    func deleteFinishedWebhookDeliveries(createdBefore cutoff: Date, limit: Int) async throws -> Int {
        tables.withLock { tables in
            let ids = tables.deliveries.values.filter { $0.status != .pending && $0.createdAt < cutoff }.map { $0.id! }.sorted().prefix(limit)
            for id in ids { tables.deliveries[id] = nil }
            tables.attempts.removeAll { ids.contains($0.deliveryId) }
            return ids.count
        }
    }
}

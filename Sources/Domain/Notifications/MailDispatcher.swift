import Foundation
import Synchronization

/// Sends the mail outbox (issue 20), oldest first, through each recipient's SMTP server (their `smtp…` parameters,
/// read at each attempt, so a corrected setting lets waiting mails through). A mail is marked sent in the transaction
/// that follows the SMTP server's acceptance; a transient failure (no connection, 4xx) is retried with exponential
/// backoff and jitter (`WebhookBackoff`) until its retry window ends, a refusal for good (5xx) makes it dead at once.
/// When a server fails transiently, the other mails for it wait for the next pass instead of each trying it.
///
/// Everything is in the database: mails pending at a stop are sent after the start. The one window for a duplicate is
/// a process killed after the SMTP server accepted a mail and before the `sent` mark committed (milliseconds): that
/// mail is sent again after the restart, with the same `Message-ID`. `run()` is a Service of the server: it wakes on
/// the doorbell (mails committed), at the earliest retry due, and otherwise every `idleCheck`.
public final class MailDispatcher: Sendable {
    public struct Configuration: Sendable {
        public var backoff: WebhookBackoff
        /// Longest sleep without a ring.
        public var idleCheck: Duration
        /// Sent and dead mails (and expired links) are deleted this long after they were created.
        public var retention: TimeInterval
        /// How often the outbox depth is counted and old rows are deleted.
        public var housekeeping: TimeInterval
        /// Mails read per pass.
        public var batchSize: Int

        public init(
            backoff: WebhookBackoff = WebhookBackoff(base: 5, cap: 1800, window: 2 * 86_400),
            idleCheck: Duration = .seconds(30),
            retention: TimeInterval = 14 * 86_400,
            housekeeping: TimeInterval = 60,
            batchSize: Int = 100
        ) {
            self.backoff = backoff
            self.idleCheck = idleCheck
            self.retention = retention
            self.housekeeping = housekeeping
            self.batchSize = max(1, batchSize)
        }
    }

    /// Outcomes since start, for /metrics and tests.
    public struct Counters: Sendable, Equatable {
        public var sent: UInt64 = 0
        /// Attempts that failed and will be retried.
        public var failed: UInt64 = 0
        public var dead: UInt64 = 0

        public init() {}
    }

    let store: any MailStore
    let tenants: any TenantStore
    let transport: any MailTransport
    let doorbell: Doorbell
    public let configuration: Configuration
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double
    private let onFailure: @Sendable (_ mail: OutboxMail, _ server: MailServer?) -> Void
    private let onError: @Sendable (any Error) -> Void
    private let stopping = Mutex(false)
    private let outcomes = Mutex(Counters())
    private let depth = Mutex(0)

    /// - Parameters:
    ///   - onFailure: told of each failed attempt (the mail with its `lastError`, and the server, whose description
    ///     never holds the password); the server logs it.
    ///   - onError: told of store failures.
    public init(
        store: any MailStore,
        tenants: any TenantStore,
        transport: any MailTransport,
        doorbell: Doorbell,
        configuration: Configuration = Configuration(),
        now: @escaping @Sendable () -> Date = Date.init,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        onFailure: @escaping @Sendable (_ mail: OutboxMail, _ server: MailServer?) -> Void = { _, _ in },
        onError: @escaping @Sendable (any Error) -> Void = { _ in }
    ) {
        self.store = store
        self.tenants = tenants
        self.transport = transport
        self.doorbell = doorbell
        self.configuration = configuration
        self.now = now
        self.random = random
        self.onFailure = onFailure
        self.onError = onError
    }

    public var counters: Counters { outcomes.withLock { $0 } }

    /// Recipients' SMTP servers, by user id.
    private let knownServers = VersionedCache<Int64, MailServer?>()

    /// Pending mails as of the last housekeeping (the outbox depth of /metrics).
    public var outboxDepth: Int { depth.withLock { $0 } }

    /// Sends until `finish()`; a mail being sent then is finished (libcurl's exchange is bounded) and saved first.
    public func run() async {
        var lastHousekeeping = Date.distantPast
        while !stopping.withLock({ $0 }) && !Task.isCancelled {
            var sleep = configuration.idleCheck
            do {
                let handled = try await sendDue()
                let time = now()
                if time.timeIntervalSince(lastHousekeeping) >= configuration.housekeeping {
                    lastHousekeeping = time
                    while try await store.deleteFinishedMails(createdBefore: time.addingTimeInterval(-configuration.retention), limit: 1000) == 1000 {}
                    let pending = try await store.pendingMailCount()
                    depth.withLock { $0 = pending }
                }
                // A full batch: there may be more due at once.
                if handled >= configuration.batchSize { continue }
                sleep = try await sleepAfterPass()
            } catch {
                onError(error)
            }
            await doorbell.wait(timeout: sleep)
        }
    }

    /// How long `run()` sleeps after a pass: until the earliest pending mail is due, due already or not (then at
    /// once), and at most `idleCheck`. A mail that came due while the pass was sending (another mail of a server that
    /// had failed, postponed to a moment now past) is sent right after it; asking only for mails due after the pass
    /// left it for the idle check, 30 s (seen in the e-mail bench).
    public func sleepAfterPass() async throws -> Duration {
        guard let next = try await store.nextMailDue() else { return configuration.idleCheck }
        return min(configuration.idleCheck, .milliseconds(Int64(max(0.001, next.timeIntervalSince(now())) * 1000) + 1))
    }

    /// Stops sending; `run()` returns once the mail under way (if any) is saved.
    public func finish() {
        stopping.withLock { $0 = true }
        doorbell.ring()
    }

    /// One pass: sends the mails due now, oldest first; answers how many it read.
    @discardableResult
    public func sendDue() async throws -> Int {
        let due = try await store.dueMails(by: now(), limit: configuration.batchSize)
        var servers: [Int64: MailServer?] = [:]
        // Servers that failed transiently in this pass, when their failed mail is tried again, and their other mails
        // of the pass (postponed as long, in one write at the end).
        var failing: [MailServer: Date] = [:]
        var postponed: [MailServer: [Int64]] = [:]
        for var mail in due {
            if stopping.withLock({ $0 }) { break }
            if servers[mail.userId] == nil { servers[mail.userId] = try await server(userId: mail.userId) }
            let server = servers[mail.userId] ?? nil
            // The server failed transiently in this pass: this mail waits as long as the one that failed, its attempts
            // untouched (left due, it would fill the next batch and the loop would spin while the server is down).
            if let server, failing[server] != nil, let id = mail.id {
                postponed[server, default: []].append(id)
                continue
            }
            mail.attemptCount += 1
            guard let server else {
                mail.status = .dead
                mail.nextAttemptAt = nil
                mail.lastError = "no SMTP server (parameter smtp) for the recipient"
                outcomes.withLock { $0.dead += 1 }
                onFailure(mail, nil)
                try await store.saveMail(mail)
                continue
            }
            do {
                try await transport.send(mail.message, via: server)
                mail.status = .sent
                mail.sentAt = now()
                mail.nextAttemptAt = nil
                mail.lastError = nil
                outcomes.withLock { $0.sent += 1 }
            } catch {
                mail.lastError = error.description
                if error.transient {
                    if let next = configuration.backoff.nextAttempt(afterFailures: mail.attemptCount, windowStart: mail.createdAt, now: now(), random: random()) {
                        failing[server] = next
                        mail.nextAttemptAt = next
                        outcomes.withLock { $0.failed += 1 }
                    } else {
                        failing[server] = now()
                        mail.status = .dead
                        mail.nextAttemptAt = nil
                        mail.lastError = "retry window ended: \(error.description)"
                        outcomes.withLock { $0.dead += 1 }
                    }
                } else {
                    mail.status = .dead
                    mail.nextAttemptAt = nil
                    outcomes.withLock { $0.dead += 1 }
                }
                onFailure(mail, server)
            }
            // Marked sent in the transaction right after the server's acceptance (see the type's comment).
            try await store.saveMail(mail)
        }
        for (server, ids) in postponed { try await store.postponeMails(ids, until: failing[server] ?? now()) }
        return due.count
    }

    /// The recipient's SMTP server as their parameters say now; nil when none is set (or the user is gone). Kept while
    /// the configuration version stays the same: every pass asks it for each recipient.
    private func server(userId: Int64) async throws -> MailServer? {
        let version = tenants.configurationVersion
        if let known = knownServers.cached(userId, version: version) { return known }
        let server = try await tenants.read { tx -> MailServer? in
            guard let user = try tx.user(id: userId) else { return nil }
            return try MailServer.resolve(for: user, in: tx).server
        }
        knownServers.keep(server, for: userId, version: version)
        return server
    }
}

import Domain
import Foundation
import Synchronization
import Testing

/// The mail outbox's rules (issue 20) over in-memory fakes: oldest first, sent once, transient failures retried with
/// backoff until the window ends, refusals dead at once, a server that fails holds back its other mails for the pass;
/// the SMTP password masked wherever parameters are answered; call-back link tokens refused when forged.
@Suite("Mail outbox")
struct MailOutboxTests {
    /// `MailStore` in memory, as Storage keeps it.
    final class MemoryMailStore: MailStore {
        let mails = Mutex<[Int64: OutboxMail]>([:])
        let links = Mutex<[String: CallBackLink]>([:])
        let settings = Mutex<[Int64: Bool]>([:])
        let nextId = Mutex<Int64>(1)

        func missedCallEmail(userId: Int64) async throws -> Bool { settings.withLock { $0[userId] ?? false } }
        func setEmailNotifications(userId: Int64, companyId: Int64, missedCall: Bool?, voicemail: Bool?) async throws {
            if let missedCall { settings.withLock { $0[userId] = missedCall } }
            if let voicemail { self.voicemail.withLock { $0[userId] = voicemail } }
        }
        func usersWithMissedCallEmail(_ userIds: [Int64]) async throws -> Set<Int64> {
            settings.withLock { settings in Set(userIds.filter { settings[$0] == true }) }
        }
        let voicemail = Mutex<[Int64: Bool]>([:])
        func voicemailEmail(userId: Int64) async throws -> Bool { voicemail.withLock { $0[userId] ?? false } }
        func usersWithVoicemailEmail(_ userIds: [Int64]) async throws -> Set<Int64> {
            voicemail.withLock { voicemail in Set(userIds.filter { voicemail[$0] == true }) }
        }
        func insertMissedCallMails(_ rows: [MissedCallMailRow]) async throws -> [OutboxMail] {
            rows.map { row in
                var mail = row.mail
                mail.id = nextId.withLock { id in
                    defer { id += 1 }
                    return id
                }
                mails.withLock { $0[mail.id!] = mail }
                if let link = row.link { links.withLock { $0[link.id] = link } }
                return mail
            }
        }
        func dueMails(by time: Date, limit: Int) async throws -> [OutboxMail] {
            mails.withLock { Array($0.values.filter { $0.status == .pending && $0.due <= time }.sorted { $0.id! < $1.id! }.prefix(limit)) }
        }
        func nextMailDue() async throws -> Date? {
            mails.withLock { $0.values.filter { $0.status == .pending }.map(\.due).min() }
        }
        func saveMail(_ mail: OutboxMail) async throws { mails.withLock { $0[mail.id!] = mail } }
        func postponeMails(_ ids: [Int64], until time: Date) async throws {
            mails.withLock { mails in for id in ids where mails[id]?.status == .pending { mails[id]?.nextAttemptAt = time } }
        }
        func mail(id: Int64) async throws -> OutboxMail? { mails.withLock { $0[id] } }
        func pendingMailCount() async throws -> Int { mails.withLock { $0.values.filter { $0.status == .pending }.count } }
        func deleteFinishedMails(createdBefore cutoff: Date, limit: Int) async throws -> Int {
            mails.withLock { mails in
                let old = mails.values.filter { $0.status != .pending && $0.createdAt < cutoff }.prefix(limit)
                for mail in old { mails[mail.id!] = nil }
                return old.count
            }
        }
        func claimCallBackLink(id: String, at time: Date, _ check: @escaping @Sendable (CallBackLink) throws -> Void) async throws -> CallBackLink? {
            try links.withLock { links in
                guard var link = links[id] else { return nil }
                try check(link)
                link.usedAt = time
                links[id] = link
                return link
            }
        }
        func releaseCallBackLink(id: String) async throws { links.withLock { $0[id]?.usedAt = nil } }
    }

    /// An SMTP server stand-in: answers each send with the next scripted outcome (success once the script is empty).
    final class ScriptedTransport: MailTransport {
        let script: Mutex<[MailSendError?]>
        let sent = Mutex<[(subject: String, server: MailServer)]>([])

        init(_ script: [MailSendError?] = []) { self.script = Mutex(script) }

        func send(_ message: MailMessage, via server: MailServer) async throws(MailSendError) {
            let outcome = script.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            if let outcome { throw outcome }
            sent.withLock { $0.append((message.subject, server)) }
        }
    }

    /// The time the dispatcher sees.
    final class TestClock: Sendable {
        let time = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    }

    static let down = MailSendError(reason: "Couldn't connect to server", smtpCode: nil, transient: true)
    static let refused = MailSendError(reason: "550 mailbox unavailable", smtpCode: 550, transient: false)

    /// A domain whose SMTP server is set (with its password through the `Smtp…` alias) and a user with an address.
    struct Setup {
        let world: World
        let user: User
        let store = MemoryMailStore()
        let clock = TestClock()

        init(smtp: String = "mail.example.org") async throws {
            world = try await World()
            let (_, domain) = try await world.tenant("Acme")
            user = try await world.admin.createUser(
                world.root,
                domainId: domain.id!,
                UserChanges(username: "alice", firstName: "Alice", lastName: "Martin", email: "alice@example.org")
            )
            for (name, value) in [("smtp", smtp), ("SmtpServerPort", "2525"), ("SmtpAuthUserName", "mailer"), ("SmtpAuthPassword", "s3cret-smtp")] {
                _ = try await world.admin.setParameter(world.root, scope: .domain, scopeId: domain.id!, application: .twsServer, name: name, value: value)
            }
        }

        func dispatcher(_ transport: ScriptedTransport) -> MailDispatcher {
            let clock = clock
            return MailDispatcher(
                store: store,
                tenants: world.store,
                transport: transport,
                doorbell: Doorbell(),
                configuration: .init(backoff: WebhookBackoff(base: 10, cap: 60, window: 100)),
                now: { clock.time.withLock { $0 } },
                random: { 1 }
            )
        }

        /// Mails to the user, subjects `m1`, `m2`, … in that order.
        @discardableResult
        func mails(_ count: Int) async throws -> [OutboxMail] {
            let time = clock.time.withLock { $0 }
            let rows = (1...count).map { index in
                let message = MailMessage(
                    from: MailAddress("tws@example.org")!,
                    to: [MailAddress("alice@example.org")!],
                    subject: "m\(index)",
                    text: "text",
                    messageId: "m\(index)@tws",
                    date: time
                )
                let link = CallBackLink(
                    id: "link\(index)",
                    companyId: user.companyId,
                    domainId: user.domainId,
                    userId: user.id!,
                    device: "1001",
                    number: "0612345678",
                    createdAt: time,
                    expiresAt: time.addingTimeInterval(3600)
                )
                return MissedCallMailRow(
                    mail: OutboxMail(companyId: user.companyId, domainId: user.domainId, userId: user.id!, message: message, createdAt: time),
                    link: link
                )
            }
            return try await store.insertMissedCallMails(rows)
        }

        func advance(_ seconds: TimeInterval) { clock.time.withLock { $0 = $0.addingTimeInterval(seconds) } }
        func statuses() -> [String] { store.mails.withLock { $0.values.sorted { $0.id! < $1.id! }.map { "\($0.message.subject):\($0.status.rawValue)" } } }
    }

    @Test func mailsAreSentOldestFirstThroughTheRecipientsServerAndOnlyOnce() async throws {
        let setup = try await Setup()
        try await setup.mails(3)
        let transport = ScriptedTransport()
        let dispatcher = setup.dispatcher(transport)
        try await dispatcher.sendDue()
        try await dispatcher.sendDue()
        #expect(transport.sent.withLock { $0.map(\.subject) } == ["m1", "m2", "m3"])
        let server = try #require(transport.sent.withLock { $0.first?.server })
        #expect(server == MailServer(host: "mail.example.org", port: 2525, username: "mailer", password: "s3cret-smtp"))
        #expect(!server.description.contains("s3cret"))
        #expect(setup.statuses() == ["m1:sent", "m2:sent", "m3:sent"])
        #expect(dispatcher.counters.sent == 3)
    }

    /// Takes its time over each mail: the clock moves `step` while it sends.
    final class SlowTransport: MailTransport {
        let clock: TestClock
        let step: TimeInterval
        let sent = Mutex<[String]>([])

        init(clock: TestClock, step: TimeInterval) {
            self.clock = clock
            self.step = step
        }

        func send(_ message: MailMessage, via server: MailServer) async throws(MailSendError) {
            clock.time.withLock { $0 = $0.addingTimeInterval(step) }
            sent.withLock { $0.append(message.subject) }
        }
    }

    @Test func aMailThatComesDueWhileAPassSendsIsSentRightAfterIt() async throws {
        let setup = try await Setup()
        let mails = try await setup.mails(2)
        // The second mail waits 5 s (a retry, or the other mail of a server that had failed); sending the first takes 10.
        let start = setup.clock.time.withLock { $0 }
        setup.store.mails.withLock { $0[mails[1].id!]?.nextAttemptAt = start.addingTimeInterval(5) }
        let transport = SlowTransport(clock: setup.clock, step: 10)
        let clock = setup.clock
        let dispatcher = MailDispatcher(
            store: setup.store,
            tenants: setup.world.store,
            transport: transport,
            doorbell: Doorbell(),
            configuration: .init(backoff: WebhookBackoff(base: 10, cap: 60, window: 100), idleCheck: .seconds(3_600)),
            now: { clock.time.withLock { $0 } },
            random: { 1 }
        )
        #expect(try await dispatcher.sendDue() == 1)
        #expect(transport.sent.withLock { $0 } == ["m1"])
        // The second came due during that pass: the next one starts at once, not after the hour's idle check.
        #expect(try await dispatcher.sleepAfterPass() <= .milliseconds(2))
        #expect(try await dispatcher.sendDue() == 1)
        #expect(transport.sent.withLock { $0 } == ["m1", "m2"])
        // Nothing pending: the idle check; a mail due later: until then.
        #expect(try await dispatcher.sleepAfterPass() == .seconds(3_600))
        try await setup.mails(1)
        setup.store.mails.withLock { mails in
            for id in mails.keys where mails[id]?.status == .pending { mails[id]?.nextAttemptAt = clock.time.withLock { $0 }.addingTimeInterval(20) }
        }
        let later = try await dispatcher.sleepAfterPass()
        #expect(later > .seconds(19) && later <= .seconds(21), "\(later)")
    }

    @Test func aServerThatIsDownGetsTheMailsLaterWithBackoffAndHoldsBackItsOtherMails() async throws {
        let setup = try await Setup()
        try await setup.mails(2)
        let transport = ScriptedTransport([Self.down])
        let dispatcher = setup.dispatcher(transport)
        try await dispatcher.sendDue()
        // One attempt for the server: the second mail was not tried against a server that just failed.
        let first = try #require(try await setup.store.mail(id: 1))
        let second = try #require(try await setup.store.mail(id: 2))
        #expect(first.status == .pending && first.attemptCount == 1 && first.lastError?.contains("connect") == true)
        #expect(first.nextAttemptAt == first.createdAt.addingTimeInterval(10))
        #expect(second.attemptCount == 0)
        // The second waits as long as the first: left due, the server's mails would fill every pass while it is down
        // and the loop would spin (the e-mail bench found it at 100 mails due).
        #expect(second.nextAttemptAt == first.nextAttemptAt)
        #expect(try await dispatcher.sendDue() == 0)
        #expect(transport.sent.withLock { $0.isEmpty })
        setup.advance(10)
        try await dispatcher.sendDue()
        #expect(transport.sent.withLock { $0.map(\.subject) } == ["m1", "m2"])
        #expect(setup.statuses() == ["m1:sent", "m2:sent"])
    }

    @Test func aMailIsDeadWhenTheRetryWindowEndsOrTheServerRefusesItForGood() async throws {
        let setup = try await Setup()
        try await setup.mails(2)
        let transport = ScriptedTransport([Self.refused] + Array(repeating: Self.down, count: 20))
        let dispatcher = setup.dispatcher(transport)
        try await dispatcher.sendDue()
        #expect(setup.statuses() == ["m1:dead", "m2:pending"])
        #expect(try await setup.store.mail(id: 1)?.lastError == "SMTP 550: 550 mailbox unavailable")
        // m2 fails until its 100 s window would be passed by the next retry (10, 20, 40 s: the next at 70 + 60 > 100).
        for _ in 0..<6 {
            try await dispatcher.sendDue()
            setup.advance(60)
        }
        #expect(setup.statuses() == ["m1:dead", "m2:dead"])
        #expect(try await setup.store.mail(id: 2)?.lastError?.hasPrefix("retry window ended") == true)
        #expect(transport.sent.withLock { $0.isEmpty })
        #expect(dispatcher.counters.dead == 2)
    }

    @Test func withoutAnSMTPServerTheMailIsDeadWithTheReason() async throws {
        let setup = try await Setup(smtp: "")
        try await setup.mails(1)
        try await setup.dispatcher(ScriptedTransport()).sendDue()
        #expect(setup.statuses() == ["m1:dead"])
        #expect(try await setup.store.mail(id: 1)?.lastError?.contains("parameter smtp") == true)
    }

    @Test func theSMTPPasswordIsMaskedWhereverParametersAreAnswered() async throws {
        let setup = try await Setup()
        let world = setup.world
        let values = try await world.admin.parameterValues(world.root, scope: .domain, scopeId: setup.user.domainId)
        let password = try #require(values.first { $0.name == "SmtAuthPassword" })
        #expect(password.value == ParameterDefinition.masked)
        #expect(values.first { $0.name == "SmtServerPort" }?.value == "2525")
        let resolved = try await world.admin.resolvedParameters(world.root, userId: setup.user.id!, application: .twsServer, expert: true)
        #expect(resolved.first { $0.name == "SmtAuthPassword" }?.value == ParameterDefinition.masked)
        #expect(!values.map(\.value).contains("s3cret-smtp") && !resolved.map(\.value).contains("s3cret-smtp"))
        let saved = try await world.admin.setParameter(
            world.root,
            scope: .user,
            scopeId: setup.user.id!,
            application: .twsServer,
            name: "SmtAuthPassword",
            value: "another-secret"
        )
        #expect(saved.value == ParameterDefinition.masked)
        let profile = try await UserProfileService(store: world.store).profile(
            UserPrincipal(userId: setup.user.id!, domainId: setup.user.domainId, companyId: setup.user.companyId, sessionTokenId: "t")
        )
        #expect(profile.parameters.first { $0.name == "SmtAuthPassword" }?.value == ParameterDefinition.masked)
    }

    @Test func callBackTokensAreRefusedWhenForgedOrSignedWithAnotherKey() {
        let signer = CallBackLinkSigner(secret: Array("a server secret of at least 32 bytes!".utf8))
        let id = CallBackLinkSigner.newId()
        let token = signer.token(id: id)
        #expect(signer.id(of: token) == id)
        let other = CallBackLinkSigner(secret: Array("another server secret of 32 bytes!!!".utf8))
        #expect(other.id(of: token) == nil)
        var tampered = Array(token)
        tampered[0] = tampered[0] == "A" ? "B" : "A"
        for bad in [String(tampered), id, "\(id).", ".\(token)", token + "x", "", "a.b.c", String(repeating: "x", count: 500)] {
            #expect(signer.id(of: bad) == nil, "\(bad)")
        }
    }
}

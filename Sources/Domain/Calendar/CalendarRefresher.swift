import Foundation
import Synchronization

/// Reads every user's calendar of the domains with a calendar connection, periodically, and tells viewers when a
/// calendar presence changes (issue 21). `run()` is a Service of the server.
///
/// - Each domain is read on its own (`refreshSeconds` apart), at most `concurrency` calendars at once: one slow or
///   down server delays only its own domain, and its users' presence is `unknown` until it answers again.
/// - Between reads the loop wakes at the next moment an event begins or ends (or a read lands, or a connection
///   changes), so presence changes at the event's time, not at the next read.
/// - A change is pushed (`calendar_presence`) to the owner and to each viewer allowed to see it, as that viewer may see
///   it (`CalendarAudience`); viewers whose view did not change (a private event they do not see) get nothing.
/// Time comes from `now`, so tests move it and `wake()` the loop.
public final class CalendarRefresher: Sendable {
    public struct Configuration: Sendable {
        /// Calendars read at once per domain.
        public var concurrency: Int
        /// How far back and ahead each read looks.
        public var before: TimeInterval
        public var after: TimeInterval
        /// The longest the loop sleeps without looking at the clock (a test clock that moved is seen by then).
        public var maxSleep: Duration

        public init(concurrency: Int = 8, before: TimeInterval = 3600, after: TimeInterval = 12 * 3600, maxSleep: Duration = .seconds(60)) {
            self.concurrency = concurrency
            self.before = before
            self.after = after
            self.maxSleep = maxSleep
        }
    }

    /// What one refresh of a domain did (for logs and the bench).
    public struct Pass: Sendable, Equatable {
        public var domainId: Int64
        public var read: Int
        public var failed: Int
        public var unmapped: Int
        public var seconds: Double
    }

    private struct State {
        var stopped = false
        var running: Set<Int64> = []
        /// When each domain's last read began, and the connection it read with.
        var started: [Int64: (at: Date, updatedAt: Date)] = [:]
        /// What each viewer class last received of each owner: the owner themself, others with and without subjects.
        var published: [Int64: [CalendarPresence]] = [:]
        var passes: [Pass] = []
    }

    let calendars: any CalendarStore
    let tenants: any TenantStore
    let source: any CalendarSource
    public let board: CalendarBoard
    let publisher: any PushPublisher
    let configuration: Configuration
    let now: @Sendable () -> Date
    let onPass: @Sendable (Pass) -> Void
    private let doorbell = Doorbell()
    private let state = Mutex(State())
    private let audiences = VersionedCache<Int64, CalendarAudience>()

    public init(
        calendars: any CalendarStore,
        tenants: any TenantStore,
        source: any CalendarSource,
        board: CalendarBoard,
        publisher: any PushPublisher,
        configuration: Configuration = Configuration(),
        now: @escaping @Sendable () -> Date = Date.init,
        onPass: @escaping @Sendable (Pass) -> Void = { _ in }
    ) {
        self.calendars = calendars
        self.tenants = tenants
        self.source = source
        self.board = board
        self.publisher = publisher
        self.configuration = configuration
        self.now = now
        self.onPass = onPass
    }

    /// Looks at the clock and the connections again now (a connection changed, a test clock moved).
    public func wake() { doorbell.ring() }

    /// Reads every domain's calendars again now.
    public func refreshAll() {
        state.withLock { $0.started = [:] }
        doorbell.ring()
    }

    /// Stops the loop; `run()` returns once the reads under way end.
    public func finish() {
        state.withLock { $0.stopped = true }
        doorbell.ring()
    }

    /// The passes completed so far (tests and the bench wait for them).
    public var passes: [Pass] { state.withLock { $0.passes } }

    /// The company's audience at the current configuration.
    public func audience(companyId: Int64) async throws -> CalendarAudience {
        let version = tenants.configurationVersion
        if let cached = audiences.cached(companyId, version: version) { return cached }
        let audience = try await tenants.read { tx in try CalendarAudience.of(companyId: companyId, tx) }
        audiences.keep(audience, for: companyId, version: version)
        return audience
    }

    public func run() async {
        await withDiscardingTaskGroup { group in
            while !state.withLock({ $0.stopped }) {
                let time = now()
                let connections = ((try? await calendars.calendarConnections()) ?? []).filter(\.enabled)
                board.retain(domains: Set(connections.map(\.domainId)))
                let due = state.withLock { state -> [CalendarConnection] in
                    state.started = state.started.filter { id, _ in connections.contains { $0.domainId == id } }
                    var due: [CalendarConnection] = []
                    for connection in connections where !state.running.contains(connection.domainId) {
                        if let last = state.started[connection.domainId], last.updatedAt == connection.updatedAt,
                            time < last.at.addingTimeInterval(TimeInterval(connection.refreshSeconds))
                        {
                            continue
                        }
                        state.running.insert(connection.domainId)
                        state.started[connection.domainId] = (time, connection.updatedAt)
                        due.append(connection)
                    }
                    return due
                }
                for connection in due {
                    group.addTask {
                        let pass = await self.refresh(connection)
                        self.state.withLock { state in
                            state.running.remove(connection.domainId)
                            state.passes.append(pass)
                            if state.passes.count > 100 { state.passes.removeFirst() }
                        }
                        self.onPass(pass)
                        self.doorbell.ring()
                    }
                }
                await publishChanges(at: time)
                // Wake at the next read due or the next event boundary, whichever comes first.
                let nextRead = state.withLock { state in
                    connections.compactMap { c in state.started[c.domainId].map { $0.at.addingTimeInterval(TimeInterval(c.refreshSeconds)) } }.min()
                }
                let next = [nextRead, board.nextChange(after: time)].compactMap { $0 }.min()
                var sleep = configuration.maxSleep
                if let next {
                    let seconds = max(next.timeIntervalSince(now()), 0.001)
                    sleep = min(sleep, .milliseconds(Int64((seconds * 1000).rounded(.up))))
                }
                guard !state.withLock({ $0.stopped }) else { break }
                await doorbell.wait(timeout: sleep)
            }
        }
    }

    /// Reads the calendars of every enabled user of the connection's domain, `concurrency` at once.
    func refresh(_ connection: CalendarConnection) async -> Pass {
        let began = ContinuousClock.now
        let users = (try? await tenants.read { tx in try tx.enabledUsers(domainId: connection.domainId) }) ?? []
        let known = Set(users.compactMap(\.id))
        let gone = Set(board.all().filter { $0.value.domainId == connection.domainId && !known.contains($0.key) }.keys)
        board.remove(userIds: gone)
        let window = CalendarWindow.around(now(), before: configuration.before, after: configuration.after)
        let zone = connection.zone
        var pass = Pass(domainId: connection.domainId, read: 0, failed: 0, unmapped: 0, seconds: 0)
        await withTaskGroup(of: (Int64, CalendarReading).self) { group in
            var pending = users.makeIterator()
            func start() -> Bool {
                guard let user = pending.next(), let id = user.id else { return false }
                guard let url = connection.calendarURL(email: user.email, login: user.username) else {
                    group.addTask { (id, .unmapped) }
                    return true
                }
                group.addTask { [source] in
                    do {
                        return (id, .read(try await source.occurrences(url: url, credentials: connection.credentials, window: window, timeZone: zone)))
                    } catch let error as CalendarReadError {
                        return (id, .failed(error.kind))
                    } catch {
                        return (id, .failed(.unreachable))
                    }
                }
                return true
            }
            for _ in 0..<max(configuration.concurrency, 1) where start() {}
            for await (id, reading) in group {
                switch reading {
                case .read: pass.read += 1
                case .failed: pass.failed += 1
                case .unmapped: pass.unmapped += 1
                case .pending: break
                }
                board.set(userId: id, CalendarBoard.Entry(companyId: connection.companyId, domainId: connection.domainId, reading: reading))
                _ = start()
            }
        }
        pass.seconds = (ContinuousClock.now - began) / .seconds(1)
        return pass
    }

    /// Compares each owner's presence, per viewer class, with what was last pushed, and pushes the changes.
    func publishChanges(at time: Date) async {
        let entries = board.all()
        let previous = state.withLock { $0.published }
        var changed: [(owner: Int64, entry: CalendarBoard.Entry?, views: [CalendarPresence])] = []
        for owner in Set(entries.keys).union(previous.keys) {
            let entry = entries[owner]
            let reading = entry?.reading ?? .pending
            let views: [CalendarPresence] =
                entry == nil
                ? Array(repeating: CalendarPresence(userId: owner, state: .unknown, reason: .notConfigured), count: 3)
                : [
                    reading.presence(userId: owner, at: time, showsSummary: true, showsPrivate: true),
                    reading.presence(userId: owner, at: time, showsSummary: true, showsPrivate: false),
                    reading.presence(userId: owner, at: time, showsSummary: false, showsPrivate: false),
                ]
            // Private-shown variants are told apart when the audience is known; these three cover the owner's
            // view and the two with private events hidden, and the private-shown ones change only when the owner's does.
            if previous[owner] != views { changed.append((owner, entry, views)) }
        }
        guard !changed.isEmpty else { return }
        state.withLock { state in
            for change in changed {
                if change.entry == nil { state.published[change.owner] = nil } else { state.published[change.owner] = change.views }
            }
        }
        for change in changed {
            let before = previous[change.owner]
            // A user first read as free (or pending) is no news.
            if before == nil, let first = change.views.first, first.state == .free || first.reason == .pending { continue }
            var companyId = change.entry?.companyId
            if companyId == nil { companyId = try? await companyOf(userId: change.owner) }
            guard let companyId, let audience = try? await audience(companyId: companyId), let traits = audience.users[change.owner] else { continue }
            let reading = change.entry?.reading
            func view(summary: Bool, owner: Bool) -> CalendarPresence {
                guard let reading else { return CalendarPresence(userId: change.owner, state: .unknown, reason: .notConfigured) }
                return reading.presence(userId: change.owner, at: time, showsSummary: summary, showsPrivate: owner || traits.showsPrivate)
            }
            var recipients: [CalendarPresence: [Int64: Set<Int64>]] = [:]
            if before?[0] != change.views[0] { recipients[view(summary: true, owner: true), default: [:]][traits.domainId, default: []].insert(change.owner) }
            for viewer in audience.viewers[change.owner] ?? [] {
                let now = view(summary: viewer.showsSummary, owner: false)
                let then: CalendarPresence? = before.map { $0[viewer.showsSummary ? 1 : 2] }
                // With private events shown, the owner's own view (less the subject when not shown) is the viewer's.
                if traits.showsPrivate {
                    guard before?[0] != change.views[0] else { continue }
                } else if then == now {
                    continue
                }
                recipients[now, default: [:]][viewer.domainId, default: []].insert(viewer.userId)
            }
            for (presence, domains) in recipients {
                for (domainId, users) in domains {
                    publisher.publish(domainId: domainId, audience: .users(users), event: PushEvent(type: .calendarPresence, time: time, calendarPresence: presence))
                }
            }
        }
    }

    private func companyOf(userId: Int64) async throws -> Int64? {
        try await tenants.read { tx in try tx.user(id: userId)?.companyId }
    }
}

import GRDB
import Synchronization

/// Counts committed writes to a set of tables, so Domain can keep what it derives from them until one of them
/// changes, instead of reading and decoding them again on every request.
final class TableVersion: Sendable {
    /// Where rights, parameters, directory settings and dialing plans live: a user's readable directories and a
    /// domain's compiled dialing plan are derived from them. Contacts, call logs and the like are not here: they
    /// change all the time and nothing cached is derived from them.
    static let configuration: Set<String> = [
        "company", "domain", "user", "user_group", "group_membership", "authorization", "licence", "parameter_value",
        "directory", "dialing_plan", "device", "phone_queue", "intercom_group", "alerter_template",
        "forwarding_rule",
        "cors_origin", "callback_group", "api_key",
    ]
    /// Columns whose updates do not count: an API key's `lastUsedAt` moves once a minute per key in use, and nothing
    /// derived from the configuration reads it.
    static let ignoredUpdates: [String: Set<String>] = ["api_key": ["lastUsedAt"]]
    /// What decides whether a session token is still good: the session (revoked, refreshed, deleted) and its user
    /// (disabled, deleted, also through a company or domain deleted with it).
    static let sessions: Set<String> = ["session", "user", "admin_account", "company", "domain"]

    let tables: Set<String>
    /// Per table, the columns whose updates do not count.
    let ignoredUpdates: [String: Set<String>]
    private let counter = Atomic<UInt64>(0)
    /// When the version last moved.
    private let movedAt = LastMoment()

    init(tables: Set<String>, ignoredUpdates: [String: Set<String>] = TableVersion.ignoredUpdates) {
        self.tables = tables
        self.ignoredUpdates = ignoredUpdates
    }

    var current: UInt64 { counter.load(ordering: .acquiring) }

    /// How long ago the version last moved; nil if it never did.
    var sinceLastMove: Duration? { movedAt.elapsed }

    /// Also called after a restore, which replaces the content without going through the observer.
    func bump() {
        movedAt.mark()
        counter.add(1, ordering: .releasing)
    }

    /// Watches the writer connection: the version moves after the commit, never before, so a reader that saw the old
    /// version cannot have read the new rows under it.
    func observer() -> some TransactionObserver { Observer(version: self) }

    private final class Observer: TransactionObserver {
        let version: TableVersion
        // Touched only on the writer connection's queue, as GRDB calls observers there.
        var changed = false

        init(version: TableVersion) { self.version = version }

        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
            // Once a change is known, the transaction's later statements need not be watched: GRDB asks before each
            // statement, and installs SQLite's update hook for it if any observer says yes (about 4 µs a statement,
            // 2 s of a 500,000-contact synchronisation when contacts were watched).
            guard !changed, version.tables.contains(eventKind.tableName) else { return false }
            if case .update(let table, let columns) = eventKind, let ignored = version.ignoredUpdates[table] {
                return !columns.isSubset(of: ignored)
            }
            return true
        }

        func databaseDidChange(with event: DatabaseEvent) {
            changed = true
            // One change is enough to know; the rest of the transaction need not be reported row by row.
            stopObservingDatabaseChangesUntilNextTransaction()
        }

        func databaseDidCommit(_ db: Database) {
            if changed { version.bump() }
            changed = false
        }

        func databaseDidRollback(_ db: Database) { changed = false }
    }
}

/// When something last happened, read and marked from any thread without a lock.
final class LastMoment: Sendable {
    /// `ContinuousClock` nanoseconds since `epoch`; 0: never.
    private let nanoseconds = Atomic<Int64>(0)
    private static let epoch = ContinuousClock.now

    func mark() {
        let (seconds, attoseconds) = (ContinuousClock.now - Self.epoch).components
        nanoseconds.store(max(1, seconds * 1_000_000_000 + attoseconds / 1_000_000_000), ordering: .relaxed)
    }

    /// How long ago it last happened; nil if it never did.
    var elapsed: Duration? {
        let moment = nanoseconds.load(ordering: .relaxed)
        guard moment != 0 else { return nil }
        return ContinuousClock.now - Self.epoch - .nanoseconds(moment)
    }
}

import GRDB
import Synchronization

/// Counts committed writes to the tables that rights, parameters, directory settings and dialing plans live in, so
/// Domain can keep what it derives from them (a user's readable directories, a domain's compiled dialing plan) until
/// one of them changes, instead of reading and decoding them again on every request.
final class ConfigurationVersion: Sendable {
    /// The tables whose changes make derived values stale. Contacts, call logs, sessions and the like are not here:
    /// they change all the time and nothing cached is derived from them.
    static let tables: Set<String> = [
        "company", "domain", "user", "user_group", "group_membership", "authorization", "licence", "parameter_value",
        "directory", "dialing_plan", "device", "phone_queue", "intercom_group",
    ]

    private let counter = Atomic<UInt64>(0)

    var current: UInt64 { counter.load(ordering: .acquiring) }

    /// Also called after a restore, which replaces the content without going through the observer.
    func bump() { counter.add(1, ordering: .releasing) }

    /// Watches the writer connection: the version moves after the commit, never before, so a reader that saw the old
    /// version cannot have read the new rows under it.
    func observer() -> some TransactionObserver { Observer(version: self) }

    private final class Observer: TransactionObserver {
        let version: ConfigurationVersion
        // Touched only on the writer connection's queue, as GRDB calls observers there.
        var changed = false

        init(version: ConfigurationVersion) { self.version = version }

        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { ConfigurationVersion.tables.contains(eventKind.tableName) }

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

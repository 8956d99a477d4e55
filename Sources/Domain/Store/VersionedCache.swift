import Synchronization

/// Values derived from configuration (a user's readable directories, a domain's compiled dialing plan), kept while
/// the store's `configurationVersion` stays the same: every committed change to rights, parameters, directory
/// settings or dialing plans makes them all stale at once, so a cached value is never older than the last change.
public final class VersionedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var version: UInt64
        var value: Value
    }

    private let entries = Mutex<[Key: Entry]>([:])
    private let capacity: Int

    public init(capacity: Int = 10_000) { self.capacity = capacity }

    /// The value for `key` computed at `version`, or `compute()`'s, kept for later requests. Read `version` before the
    /// transaction `compute` reads in starts: a change committed in between then leaves a newer version behind, and
    /// the value is computed again next time rather than kept stale.
    public func value(_ key: Key, version: UInt64, _ compute: () throws -> Value) rethrows -> Value {
        if let entry = entries.withLock({ $0[key] }), entry.version == version { return entry.value }
        let value = try compute()
        entries.withLock { entries in
            if entries.count >= capacity, entries[key] == nil { entries.removeAll(keepingCapacity: true) }
            // Never replace a newer entry with an older one computed concurrently.
            if let existing = entries[key], existing.version > version { return }
            entries[key] = Entry(version: version, value: value)
        }
        return value
    }
}

import Synchronization

/// Values derived from stored rows, kept while a version of the store stays the same: `configurationVersion` for a
/// user's readable directories or a domain's compiled dialing plan, `sessionVersion` for session checks. Every
/// committed change to the tables behind a version makes all its values stale at once, so a cached value is never
/// older than the last change.
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
        if let value = cached(key, version: version) { return value }
        let value = try compute()
        keep(value, for: key, version: version)
        return value
    }

    /// The value kept for `key` if it was computed at `version`.
    public func cached(_ key: Key, version: UInt64) -> Value? {
        guard let entry = entries.withLock({ $0[key] }), entry.version == version else { return nil }
        return entry.value
    }

    /// Keeps `value`, computed from what was committed at `version` (read before its transaction began).
    public func keep(_ value: Value, for key: Key, version: UInt64) {
        entries.withLock { entries in
            if entries.count >= capacity, entries[key] == nil { entries.removeAll(keepingCapacity: true) }
            // Never replace a newer entry with an older one computed concurrently.
            if let existing = entries[key], existing.version > version { return }
            entries[key] = Entry(version: version, value: value)
        }
    }
}

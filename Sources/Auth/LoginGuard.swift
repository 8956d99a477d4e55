import Foundation

/// Locks sign-ins after repeated failures, per user name and per client address (brute force and password spraying).
///
/// A user name with `userFailures` failures within `window` is locked for `lockDuration`, whatever the password
/// tried next; so is a client address with `addressFailures` failures. Names that match no user are counted the same
/// way, so a lock tells nothing about whether a name exists. A success clears the name's count. State is per process
/// and bounded: entries older than the window are dropped as new ones come.
public actor LoginGuard {
    public struct Limits: Sendable {
        public var userFailures: Int
        public var addressFailures: Int
        public var window: TimeInterval
        public var lockDuration: TimeInterval

        public init(userFailures: Int = 5, addressFailures: Int = 20, window: TimeInterval = 15 * 60, lockDuration: TimeInterval = 15 * 60) {
            self.userFailures = max(1, userFailures)
            self.addressFailures = max(1, addressFailures)
            self.window = window
            self.lockDuration = lockDuration
        }
    }

    /// Why a sign-in is refused before any password is checked.
    public struct Lock: Sendable, Equatable {
        /// `user` or `address`.
        public var scope: String
        public var retryAfter: Int
    }

    private struct Record {
        var failures: [TimeInterval] = []
        var lockedUntil: TimeInterval = 0
    }

    private let limits: Limits
    private var users: [String: Record] = [:]
    private var addresses: [String: Record] = [:]
    private let maxEntries = 100_000

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// The lock in force for this name or address, if any.
    public func lock(username: String, address: String?, now: TimeInterval) -> Lock? {
        if let until = users[Self.key(username)]?.lockedUntil, until > now {
            return Lock(scope: "user", retryAfter: max(1, Int((until - now).rounded(.up))))
        }
        if let address, let until = addresses[address]?.lockedUntil, until > now {
            return Lock(scope: "address", retryAfter: max(1, Int((until - now).rounded(.up))))
        }
        return nil
    }

    /// Counts a failure; returns the lock it starts, if it starts one.
    public func failed(username: String, address: String?, now: TimeInterval) -> Lock? {
        var started: Lock?
        if count(&users, Self.key(username), limit: limits.userFailures, now: now) {
            started = Lock(scope: "user", retryAfter: Int(limits.lockDuration))
        }
        if let address, count(&addresses, address, limit: limits.addressFailures, now: now) {
            started = started ?? Lock(scope: "address", retryAfter: Int(limits.lockDuration))
        }
        return started
    }

    /// Clears the name's failures after a successful sign-in.
    public func succeeded(username: String) {
        users[Self.key(username)] = nil
    }

    /// Adds a failure at `now`; true when it reaches the limit and locks.
    private func count(_ table: inout [String: Record], _ key: String, limit: Int, now: TimeInterval) -> Bool {
        if table.count >= maxEntries {
            table = table.filter { $0.value.lockedUntil > now || ($0.value.failures.last ?? 0) > now - limits.window }
        }
        var record = table[key] ?? Record()
        record.failures = record.failures.filter { $0 > now - limits.window } + [now]
        var locked = false
        if record.failures.count >= limit {
            record.lockedUntil = now + limits.lockDuration
            record.failures = []
            locked = true
        }
        table[key] = record
        return locked
    }

    private static func key(_ username: String) -> String {
        username.trimmingCharacters(in: .whitespaces).lowercased()
    }
}

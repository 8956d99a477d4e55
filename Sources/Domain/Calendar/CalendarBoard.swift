import Foundation
import Synchronization

/// Every user's last calendar reading (issue 21), in memory: filled by `CalendarRefresher`, read by the presence
/// views and by the rules' calendar condition (`inEvent`).
public final class CalendarBoard: Sendable {
    public struct Entry: Sendable, Equatable {
        public var companyId: Int64
        public var domainId: Int64
        public var reading: CalendarReading
    }

    private let entries = Mutex<[Int64: Entry]>([:])

    public init() {}

    public func entry(userId: Int64) -> Entry? { entries.withLock { $0[userId] } }

    public func all() -> [Int64: Entry] { entries.withLock { $0 } }

    func set(userId: Int64, _ entry: Entry) { entries.withLock { $0[userId] = entry } }

    /// Forgets the users of domains no longer read, and users no longer in `keep` of the domains read.
    func retain(domains: Set<Int64>) {
        entries.withLock { entries in entries = entries.filter { domains.contains($0.value.domainId) } }
    }

    func remove(userIds: Set<Int64>) {
        entries.withLock { entries in for id in userIds { entries[id] = nil } }
    }

    /// Whether the user is in a calendar event at `time` (the rules' `calendar` presence condition); false when their
    /// calendar is not read or unreadable.
    public func inEvent(userId: Int64, at time: Date) -> Bool {
        entry(userId: userId)?.reading.busy(at: time) ?? false
    }

    /// The next moment any user's event begins or ends.
    func nextChange(after time: Date) -> Date? {
        entries.withLock { entries in entries.values.compactMap { $0.reading.nextChange(after: time) }.min() }
    }
}

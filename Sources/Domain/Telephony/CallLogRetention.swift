import Foundation

/// The call-log retention rules of admin guide 10.2.1, read from the System parameters.
///
/// The guide's wording is ambiguous (it lists `CallLog-NumberDaysOfStorage` twice); we apply both limits it describes:
/// an entry older than `daysOfStorage` days is deleted; an entry older than one day is kept only while it is among the
/// newest `maxPerKind` entries of its user and kind. Entries of the last 24 hours are never deleted by the count.
public struct CallLogRetention: Sendable, Equatable {
    public var maxPerKind: Int
    public var daysOfStorage: Int
    /// Minutes after midnight (server local time zone) when the cleaning runs.
    public var startMinute: Int

    public init(maxPerKind: Int, daysOfStorage: Int, startMinute: Int) {
        self.maxPerKind = maxPerKind
        self.daysOfStorage = daysOfStorage
        self.startMinute = startMinute
    }

    /// The ids to delete among one user's entries of one kind, given newest first.
    public func expired(_ newestFirst: [CallLogEntry], now: Date) -> [Int64] {
        let dayAgo = now.addingTimeInterval(-86_400)
        let horizon = now.addingTimeInterval(-Double(daysOfStorage) * 86_400)
        return newestFirst.enumerated().compactMap { rank, entry in
            let tooOld = entry.startedAt < horizon
            let beyondCount = rank >= maxPerKind && entry.startedAt < dayAgo
            return tooOld || beyondCount ? entry.id : nil
        }
    }
}

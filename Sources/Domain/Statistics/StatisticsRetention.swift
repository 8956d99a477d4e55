import Foundation

/// The statistics retention of admin guide 10.2.2, read from the System parameters `Stats-StartCleaningHour` and
/// `Stats-NumberDaysOfStorage`.
public struct StatisticsRetention: Sendable, Equatable {
    /// Days kept before today (the domain's today): older days are deleted.
    public var daysOfStorage: Int
    /// Minutes after midnight, in the domain's time zone, when the cleaning runs.
    public var startMinute: Int

    public init(daysOfStorage: Int, startMinute: Int) {
        self.daysOfStorage = daysOfStorage
        self.startMinute = startMinute
    }

    /// The first day kept at `now` in `zone`: days before it are deleted.
    public func firstDayKept(now: Date, zone: TimeZone) -> StatisticsDay {
        StatisticsDay(now, in: zone).adding(days: -daysOfStorage)
    }

    /// The domain's value of the parameters, else their defaults.
    static func of(domainId: Int64, _ tx: any StoreTransaction) throws -> StatisticsRetention {
        let values = try tx.parameterValues(scope: .domain, scopeId: domainId).filter { $0.application == .system }
        func value(_ name: String) -> String {
            values.first { $0.name == name }?.value ?? ParameterCatalogue.all.first { $0.application == .system && $0.name == name }?.defaultValue
                ?? ""
        }
        let time = value("Stats-StartCleaningHour").split(separator: ":").compactMap { Int($0) }
        return StatisticsRetention(
            daysOfStorage: Int(value("Stats-NumberDaysOfStorage")) ?? 365,
            startMinute: time.count == 2 ? time[0] * 60 + time[1] : 210
        )
    }
}

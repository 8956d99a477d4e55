import Foundation

/// Which directories are due for a scheduled synchronisation (admin guide 8.2.1).
public enum DirectorySchedule {
    /// Enabled directories whose schedule says "now": `daily` in the minute of their domain's
    /// `timeSynchronizationDirectories` (unless already started in that minute), `every N minutes` when N minutes have
    /// passed since the last start (or never synchronised).
    public static func due(at now: Date, calendar: Calendar, _ tx: any StoreTransaction) throws -> [Directory] {
        let directories = try tx.activeDirectories()
        let times = try tx.parameterValues(application: .system, name: "timeSynchronizationDirectories").filter { $0.scope == .domain }
        let defaultTime =
            ParameterCatalogue.all.first { $0.application == .system && $0.name == "timeSynchronizationDirectories" }?.defaultValue ?? "02:00"
        let minuteOfDay = calendar.component(.hour, from: now) * 60 + calendar.component(.minute, from: now)
        return directories.filter { directory in
            let lastStart = directory.lastSync?.startedAt
            switch directory.synchronization {
            case .manual: return false
            case .every(let minutes):
                return lastStart.map { now.timeIntervalSince($0) >= Double(minutes) * 60 - 1 } ?? true
            case .daily:
                let time = times.first { $0.scopeId == directory.domainId }?.value ?? defaultTime
                let parts = time.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 2, parts[0] * 60 + parts[1] == minuteOfDay else { return false }
                return lastStart.map { now.timeIntervalSince($0) >= 60 } ?? true
            }
        }
    }
}

import Domain
import Foundation
import Synchronization

/// Domain's `TenantStore` in memory, for Domain tests that need no database: each write runs on a copy of the tables
/// and is kept only when its body returns, writes run one at a time, reads see what was committed last. It keeps the
/// rules of the SQLite schema that Domain relies on (unique keys, foreign keys and their cascades, AUTOINCREMENT ids,
/// the list orders and the full-text matching of contacts) and answers the same errors as Storage's `GRDBTransaction`.
final class InMemoryStore: TenantStore {
    /// The tables behind `configurationVersion`, as Storage's `TableVersion.configuration` lists them.
    static let configurationTables: Set<String> = [
        "company", "domain", "user", "user_group", "group_membership", "authorization", "licence", "parameter_value",
        "directory", "dialing_plan", "device", "phone_queue", "intercom_group", "alerter_template",
        "forwarding_rule",
        "cors_origin",
    ]
    /// The tables behind `sessionVersion`, as Storage's `TableVersion.sessions` lists them.
    static let sessionTables: Set<String> = ["session", "user", "admin_account", "company", "domain"]

    private let committed = Mutex(MemoryDatabase())
    /// Held for a whole write, so that writes run one after the other as SQLite's single writer does.
    private let writer = Mutex(())
    private let configurationCounter = Atomic<UInt64>(0)
    private let sessionCounter = Atomic<UInt64>(0)

    init() {}

    var configurationVersion: UInt64 { configurationCounter.load(ordering: .acquiring) }
    var sessionVersion: UInt64 { sessionCounter.load(ordering: .acquiring) }

    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        let snapshot = committed.withLock { $0 }
        return try body(InMemoryTransaction(snapshot, writable: false))
    }

    func readNow<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        let snapshot = committed.withLock { $0 }
        return try body(InMemoryTransaction(snapshot, writable: false))
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try writer.withLock { _ throws -> T in
            let transaction = InMemoryTransaction(committed.withLock { $0 }, writable: true)
            let result = try body(transaction)
            committed.withLock { $0 = transaction.database }
            // After the commit, never before: a reader that saw the old version cannot have read the new rows under it.
            if !transaction.touched.isDisjoint(with: Self.configurationTables) { configurationCounter.add(1, ordering: .releasing) }
            if !transaction.touched.isDisjoint(with: Self.sessionTables) { sessionCounter.add(1, ordering: .releasing) }
            return result
        }
    }
}

extension InMemoryStore: CallLogStore {
    /// As Storage's `AppDatabase.writeLines`: one line per call at a device a user owns, and their statistics, in one transaction.
    func writeLines(for calls: [FinishedCall], names: [String: String], domainId: Int64) async throws -> [CallLogEntry] {
        try await write { tx in
            let devices = try tx.devices(domainId: domainId, numbers: calls.map(\.device))
            let lines = try calls.compactMap { call -> CallLogEntry? in
                guard let device = devices.first(where: { $0.number == call.device }) else { return nil }
                var entry = CallLogEntry(call, owner: device, domainId: domainId, peerName: call.peerNumber.flatMap { names["\(call.device)|\($0)"] })
                entry.markForwarded(by: try tx.ruleExecution(domainId: domainId, callId: call.callId, device: call.device))
                return try tx.insert(entry)
            }
            try StatisticsService.count(lines, domainId: domainId, tx)
            return lines
        }
    }
}

import Domain
import Foundation

extension AppDatabase: CallLogStore {
    public func writeLines(for calls: [FinishedCall], names: [String: String], domainId: Int64) async throws -> [CallLogEntry] {
        try await write { tx in try Self.lines(for: calls, names: names, domainId: domainId, tx) }
    }

    /// The lines, their users' statistics (issue 21) and, in the same transaction, their outbox rows: webhook deliveries (issue 19), missed-call e-mails
    /// with their links (issue 20).
    public func writeLines(
        for calls: [FinishedCall],
        names: [String: String],
        domainId: Int64,
        outbox: @escaping @Sendable ([CallLogEntry]) -> CallLogOutboxRows
    ) async throws -> (lines: [CallLogEntry], rows: CallLogOutboxRows) {
        try await writer.write { db in
            let lines = try Self.lines(for: calls, names: names, domainId: domainId, GRDBTransaction(db: db))
            var rows = outbox(lines)
            rows.deliveries = try Self.insert(rows.deliveries, db)
            _ = try Self.insert(rows.mails, db)
            return (lines, rows)
        }
    }

    private static func lines(for calls: [FinishedCall], names: [String: String], domainId: Int64, _ tx: any StoreTransaction) throws -> [CallLogEntry] {
        let devices = try tx.devices(domainId: domainId, numbers: calls.map(\.device))
        let lines = try calls.compactMap { call -> CallLogEntry? in
            guard let device = devices.first(where: { $0.number == call.device }) else { return nil }
            var entry = CallLogEntry(call, owner: device, domainId: domainId, peerName: call.peerNumber.flatMap { names["\(call.device)|\($0)"] })
            entry.markForwarded(by: try tx.ruleExecution(domainId: domainId, callId: call.callId, device: call.device))
            return try tx.insert(entry)
        }
        // Issue 21: the users' statistics move with their lines, in the same transaction.
        try StatisticsService.count(lines, domainId: domainId, tx)
        return lines
    }
}

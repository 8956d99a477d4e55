import Domain
import Foundation

extension AppDatabase: CallLogStore {
    public func writeLines(for calls: [FinishedCall], names: [String: String], domainId: Int64) async throws -> [CallLogEntry] {
        try await write { tx in
            let devices = try tx.fetchAll(
                Device.self,
                // No ORDER BY: with one, SQLite walks the domainId index in id order (every device of the domain)
                // instead of seeking the (domainId, number) key; measured 2–6 ms instead of 20 µs at 10,000 devices.
                RecordQuery([.equals("domainId", .int(domainId)), .within("number", calls.map { .text($0.device) })], orderBy: [])
            )
            return try calls.compactMap { call in
                guard let device = devices.first(where: { $0.number == call.device }) else { return nil }
                return try tx.insert(CallLogEntry(call, owner: device, domainId: domainId, peerName: call.peerNumber.flatMap { names["\(call.device)|\($0)"] }))
            }
        }
    }
}

import Domain
import Foundation

extension AppDatabase: CallLogStore {
    public func writeLines(for calls: [FinishedCall], names: [String: String], domainId: Int64) async throws -> [CallLogEntry] {
        try await write { tx in
            let devices = try tx.devices(domainId: domainId, numbers: calls.map(\.device))
            return try calls.compactMap { call in
                guard let device = devices.first(where: { $0.number == call.device }) else { return nil }
                var entry = CallLogEntry(call, owner: device, domainId: domainId, peerName: call.peerNumber.flatMap { names["\(call.device)|\($0)"] })
                entry.markForwarded(by: try tx.ruleExecution(domainId: domainId, callId: call.callId, device: call.device))
                return try tx.insert(entry)
            }
        }
    }
}

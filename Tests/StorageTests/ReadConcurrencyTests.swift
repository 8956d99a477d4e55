import Dispatch
import Domain
import Foundation
import Synchronization
import Testing

@testable import Storage

/// Reads run on the caller's thread (`AppDatabase.read`), so a reader is always released by the thread that took it.
/// Mixing in GRDB's async read, which releases its reader only once a cooperative thread resumes it, deadlocked the
/// server with 20 webhook subscriptions: every cooperative thread blocked waiting for a reader whose release waited for
/// a cooperative thread.
@Suite struct ReadConcurrencyTests {
    @Test func storageNeverUsesGRDBsAsyncRead() throws {
        let storage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Storage")
        let files = try #require(FileManager.default.enumerator(at: storage, includingPropertiesForKeys: nil)).compactMap { $0 as? URL }
            .filter { $0.pathExtension == "swift" }
        #expect(files.count > 10)
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(!text.contains("await writer.read"), "\(file.lastPathComponent) uses GRDB's async read")
        }
    }

    @Test func manyMoreConcurrentReadersThanThePoolHoldsAllFinish() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tws-read-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try AppDatabase.open(directory: directory)
        let time = Date()
        let companyId = try await store.write { tx in try tx.insert(Company(name: "Acme")).id! }
        var hooks: [Int64] = []
        for n in 0..<20 {
            let hook = try await store.insertWebhook(
                Webhook(companyId: companyId, url: "https://crm.example/\(n)", events: [.call], secret: "0123456789abcdef0123", createdAt: time, updatedAt: time)
            )
            _ = try await store.insertWebhookDeliveries([
                WebhookDelivery(webhookId: hook.id!, companyId: companyId, domainId: nil, eventId: "e\(n)", kind: .call, seq: 1, body: "{}", createdAt: time)
            ])
            hooks.append(hook.id!)
        }
        // A deadlock would block every cooperative thread, the test's own timeouts included: a plain thread watches.
        let finished = Atomic<Bool>(false)
        DispatchQueue.global().asyncAfter(deadline: .now() + 120) {
            if !finished.load(ordering: .acquiring) { fatalError("storage reads deadlocked (see ReadConcurrencyTests)") }
        }
        let heads = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<64 {
                let hook = hooks[task % hooks.count]
                group.addTask {
                    var found = 0
                    for _ in 0..<50 {
                        if try await store.pendingWebhookDeliveries(webhookId: hook, limit: 1).first != nil { found += 1 }
                        _ = try await store.read { tx in try tx.company(id: companyId) }
                        _ = try await store.pendingWebhookHeads()
                    }
                    return found
                }
            }
            return try await group.reduce(0, +)
        }
        finished.store(true, ordering: .releasing)
        #expect(heads == 64 * 50)
    }
}

import Dispatch
import Domain
import Foundation
import GRDB
import Synchronization
import Testing

@testable import Storage

/// Reads on a database file go through connections of their own (`ReadConnections`) instead of GRDB's pool: each is
/// still one transaction that sees every write committed before it and none committed during it, a refusal inside a
/// read leaves its connection usable, and no more connections open than the limit, however many threads read at once.
@Suite struct ReadConnectionsTests {
    func openStore() throws -> (AppDatabase, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tws-readers-\(UUID().uuidString)")
        return (try AppDatabase.open(directory: directory), directory)
    }

    func names(_ tx: any StoreTransaction) throws -> [String] {
        try tx.companies(ids: nil, .all).items.map(\.name).sorted()
    }

    @Test func aReadSeesEveryCommittedWriteOnTheSameConnection() async throws {
        let (store, directory) = try openStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let readers = try #require(store.readers)
        for name in ["Acme", "Globex", "Initech"] {
            _ = try await store.write { tx in try tx.insert(Company(name: name)) }
            let seen = try store.readNow { tx in try names(tx) }
            #expect(seen.last == name || seen.contains(name))
            #expect(seen.count == ["Acme", "Globex", "Initech"].firstIndex(of: name)! + 1)
        }
        // One thread reading one read after the other: one connection, lent again each time.
        #expect(readers.openCount == 1)
    }

    @Test func aReadIsOneSnapshotAWriteDuringItIsNotSeen() async throws {
        let (store, directory) = try openStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try await store.write { tx in try tx.insert(Company(name: "Acme")) }
        let (before, after) = try store.readNow { tx in
            let before = try names(tx)
            // A write commits (GRDB's synchronous write, on the pool's writer) while this read is open.
            try store.writer.write { db in _ = try GRDBTransaction(db: db).insert(Company(name: "Globex")) }
            return (before, try names(tx))
        }
        #expect(before == ["Acme"])
        #expect(after == ["Acme"])
        #expect(try store.readNow { tx in try names(tx) } == ["Acme", "Globex"])
    }

    @Test func aRefusalInsideAReadLeavesItsConnectionUsable() async throws {
        let (store, directory) = try openStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let readers = try #require(store.readers)
        _ = try await store.write { tx in try tx.insert(Company(name: "Acme")) }
        for _ in 0..<3 {
            #expect(throws: DomainError.self) {
                try store.readNow { tx in
                    _ = try names(tx)
                    throw DomainError.notFound("Contact")
                }
            }
            // The statement that failed inside the read, too.
            #expect(throws: DatabaseError.self) {
                try store.readNow { tx in try (tx as! GRDBTransaction).db.execute(sql: "SELECT * FROM no_such_table") }
            }
        }
        #expect(try store.readNow { tx in try names(tx) } == ["Acme"])
        #expect(readers.openCount == 1)
    }

    @Test func manyThreadsReadingAtOnceOpenNoMoreThanTheLimitAndAllRead() async throws {
        let (store, directory) = try openStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let readers = try #require(store.readers)
        _ = try await store.write { tx in try tx.insert(Company(name: "Acme")) }
        let mostOpen = Atomic<Int>(0)
        let wrong = Atomic<Int>(0)
        // 32 threads of their own (not the pool's few), each holding its read a moment so that they overlap: past the
        // limit, the pool reads.
        let done = DispatchGroup()
        for _ in 0..<32 {
            done.enter()
            Thread {
                for _ in 0..<5 {
                    let seen = try? store.readNow { tx in
                        mostOpen.max(readers.openCount, ordering: .relaxed)
                        usleep(2_000)
                        return try names(tx)
                    }
                    if seen != ["Acme"] { wrong.add(1, ordering: .relaxed) }
                }
                done.leave()
            }.start()
        }
        done.wait()
        #expect(wrong.load(ordering: .relaxed) == 0)
        #expect(mostOpen.load(ordering: .relaxed) == readers.limit)
        #expect(readers.openCount <= readers.limit)
    }

    @Test func readsAfterCloseAreRefusedAndNoConnectionStaysOpen() async throws {
        let (store, directory) = try openStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let readers = try #require(store.readers)
        _ = try await store.write { tx in try tx.insert(Company(name: "Acme")) }
        #expect(try store.readNow { tx in try names(tx) } == ["Acme"])
        try store.close()
        #expect(readers.openCount == 0)
        #expect(throws: (any Error).self) { try store.readNow { tx in try names(tx) } }
        #expect(readers.openCount == 0)
    }
}

import Domain
import Foundation
import Synchronization
import Testing

/// The call-log writer: lines of finished calls are written in order off the PBX event path, and a line that cannot
/// be written is reported and counted, never dropped in silence.
@Suite("Call-log writer")
struct CallLogWriterTests {
    /// A store whose every read and write fails, as a full disk or a locked database file would.
    struct BrokenStore: TenantStore {
        struct Broken: Error {}
        var configurationVersion: UInt64 { 0 }
        var sessionVersion: UInt64 { 0 }
        func read<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T { throw Broken() }
        func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T { throw Broken() }
    }

    /// Keeps what is published.
    final class Published: PushPublisher {
        let events = Mutex<[PushEvent]>([])
        func publish(domainId: Int64, audience: PushAudience, event: PushEvent) -> UInt64 {
            events.withLock { $0.append(event) }
            return 0
        }
    }

    static func call(_ id: String, at device: String) -> FinishedCall {
        FinishedCall(device: device, callId: id, direction: .outgoing, peerNumber: "1002", startedAt: Date(), answeredAt: nil, endedAt: Date())
    }

    @Test("A write that fails is reported with its line count and counted; so is a line queued after the writer stopped")
    func failedWritesAreReportedAndCounted() async {
        let reported = Mutex<[Int]>([])
        let published = Published()
        let writer = CallLogWriter(store: BrokenStore(), publisher: published) { _, lines in reported.withLock { $0.append(lines) } }
        async let running: Void = writer.run()
        writer.enqueue([Self.call("c1", at: "1001"), Self.call("c1", at: "1002")], domainId: 1, time: Date())
        writer.enqueue([Self.call("c2", at: "1001")], domainId: 1, time: Date())
        await writer.flush()
        #expect(reported.withLock { $0 } == [2, 1])
        #expect(writer.counters.failed == 3 && writer.counters.written == 0)
        // Nothing is announced for lines that were not written.
        #expect(published.events.withLock { $0 }.isEmpty)

        writer.finish()
        await running
        writer.enqueue([Self.call("c3", at: "1001")], domainId: 1, time: Date())
        #expect(reported.withLock { $0 } == [2, 1, 1])
        #expect(writer.counters.failed == 4)
        // A flush after the writer stopped returns at once.
        await writer.flush()
    }
}

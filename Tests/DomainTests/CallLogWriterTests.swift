import Domain
import Foundation
import Synchronization
import Testing

/// The call-log writer: lines of finished calls are written in order off the PBX event path, and a line that cannot
/// be written is reported and counted, never dropped in silence.
@Suite("Call-log writer")
struct CallLogWriterTests {
    /// A store whose every write fails, as a full disk or a locked database file would.
    struct BrokenStore: CallLogStore {
        struct Broken: Error {}
        func writeLines(for calls: [FinishedCall], names: [String: String], domainId: Int64) async throws -> [CallLogEntry] { throw Broken() }
    }

    /// A store that keeps lines in memory, giving each an id.
    final class MemoryStore: CallLogStore {
        let lines = Mutex<[CallLogEntry]>([])
        func writeLines(for calls: [FinishedCall], names: [String: String], domainId: Int64) async throws -> [CallLogEntry] {
            lines.withLock { lines in
                calls.map { call in
                    var line = CallLogEntry(
                        call,
                        owner: Device(companyId: 1, domainId: domainId, userId: 7, number: call.device),
                        domainId: domainId,
                        peerName: call.peerNumber.flatMap { names["\(call.device)|\($0)"] }
                    )
                    line.id = Int64(lines.count + 1)
                    lines.append(line)
                    return line
                }
            }
        }
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

    /// A store whose writes take longer than a shutdown may last (a disk that stalls).
    struct StalledStore: CallLogStore {
        func writeLines(for calls: [FinishedCall], names: [String: String], domainId: Int64) async throws -> [CallLogEntry] {
            try await Task.sleep(for: .seconds(600))
            return []
        }
    }

    @Test("A writer cancelled by a shutdown past its limit reports and counts the lines it could not write")
    func cancelledWriterCountsWhatItLeaves() async throws {
        let reported = Mutex<[Int]>([])
        let writer = CallLogWriter(store: StalledStore(), publisher: Published()) { _, lines in reported.withLock { $0.append(lines) } }
        let running = Task { await writer.run() }
        writer.enqueue([Self.call("c1", at: "1001")], domainId: 1, time: Date())
        writer.enqueue([Self.call("c2", at: "1001"), Self.call("c2", at: "1002")], domainId: 1, time: Date())
        running.cancel()
        await running.value
        // The stalled write fails on cancellation (1 line); the 2 lines still queued are reported together.
        #expect(writer.counters.failed == 3 && writer.counters.written == 0)
        #expect(reported.withLock { $0 }.reduce(0, +) == 3)
        // Later lines are refused and counted too.
        writer.enqueue([Self.call("c3", at: "1001")], domainId: 1, time: Date())
        #expect(writer.counters.failed == 4)
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

    @Test("Lines are written in the order calls ended and announced to their owner; flush waits for them")
    func linesAreWrittenInOrderAndAnnounced() async {
        let store = MemoryStore()
        let published = Published()
        let writer = CallLogWriter(store: store, publisher: published)
        async let running: Void = writer.run()
        for id in ["c1", "c2", "c3"] { writer.enqueue([Self.call(id, at: "1001")], domainId: 1, time: Date()) }
        await writer.flush()
        #expect(store.lines.withLock { $0 }.map(\.callId) == ["c1", "c2", "c3"])
        #expect(store.lines.withLock { $0 }.allSatisfy { $0.kind == .outgoing && $0.durationSeconds == 0 })
        #expect(published.events.withLock { $0 }.compactMap(\.callLog?.entryId) == [1, 2, 3])
        #expect(writer.counters.written == 3 && writer.counters.failed == 0)
        writer.finish()
        await running
    }
}

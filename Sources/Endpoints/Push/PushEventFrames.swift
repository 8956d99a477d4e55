import Domain
import Foundation
import Synchronization

/// Turns push events into the JSON text clients receive, encoding each event once however many sockets send it.
///
/// An event is the same value for every subscriber of its domain, so the text of the last few thousand events is
/// kept by (domain, seq). Resync events are per subscriber and never cached.
final class PushEventFrames: Sendable {
    private struct Slot {
        var domainId: Int64
        var seq: UInt64
        var text: String
    }

    private let slots: Mutex<[Slot?]>
    private let size: Int

    init(size: Int = 4096) {
        self.size = size
        self.slots = Mutex(Array(repeating: nil, count: size))
    }

    /// The wire format: sorted keys, ISO-8601 dates, absent members omitted. Encoders are not shared between tasks.
    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// The JSON text of `event` of `domainId`.
    func text(of event: PushEvent, domainId: Int64, encoder: JSONEncoder) throws -> String {
        guard event.type != .resync else { return try Self.encode(event, encoder) }
        let index = Int(event.seq % UInt64(size))
        if let slot = slots.withLock({ $0[index] }), slot.domainId == domainId, slot.seq == event.seq { return slot.text }
        let text = try Self.encode(event, encoder)
        slots.withLock { $0[index] = Slot(domainId: domainId, seq: event.seq, text: text) }
        return text
    }

    private static func encode(_ event: PushEvent, _ encoder: JSONEncoder) throws -> String {
        String(decoding: try encoder.encode(event), as: UTF8.self)
    }
}

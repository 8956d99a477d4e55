/// A misbehaviour the simulator can be told to show, to test the gateway's link handling.
public enum SimulatorFault: Sendable, Hashable, CustomStringConvertible {
    /// Close every link (the gateway must reconnect and re-monitor) every so often.
    case dropEvery(Duration)
    /// Send a bad frame on every link every so often.
    case garbageEvery(Duration, SimulatorGarbage)
    /// Answer every request this much later.
    case responseDelay(Duration)
    /// Stop answering requests altogether (the gateway's requests time out); events still flow.
    case silent

    /// Parses a command-line fault: `drop-every=SECONDS`, `garbage[=SECONDS]` (a non-XML frame, default every 10 s),
    /// `bad-length[=SECONDS]` (a header that lies about its length), `stall[=SECONDS]` (a frame never finished, the link
    /// left open), `delay=MILLISECONDS` or `silent`.
    public init?(argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
        let name = parts.first ?? ""
        let value = parts.count > 1 ? Double(parts[1]) : nil
        if parts.count > 1, value == nil {
            return nil
        }
        switch name {
        case "drop-every":
            guard let value, value > 0 else {
                return nil
            }
            self = .dropEvery(.milliseconds(Int(value * 1000)))
        case "garbage":
            self = .garbageEvery(.milliseconds(Int((value ?? 10) * 1000)), .notXML)
        case "bad-length":
            self = .garbageEvery(.milliseconds(Int((value ?? 10) * 1000)), .lyingLength)
        case "stall":
            self = .garbageEvery(.milliseconds(Int((value ?? 10) * 1000)), .stalled)
        case "delay":
            guard let value, value >= 0 else {
                return nil
            }
            self = .responseDelay(.milliseconds(Int(value)))
        case "silent":
            guard value == nil else {
                return nil
            }
            self = .silent
        default:
            return nil
        }
    }

    /// The command-line spelling, e.g. `drop-every=30.0`.
    public var description: String {
        switch self {
        case .dropEvery(let interval): "drop-every=\(interval.inSeconds)"
        case .garbageEvery(let interval, .notXML): "garbage=\(interval.inSeconds)"
        case .garbageEvery(let interval, let garbage): "\(garbage.rawValue)=\(interval.inSeconds)"
        case .responseDelay(let delay): "delay=\(Int(delay.inSeconds * 1000))"
        case .silent: "silent"
        }
    }
}

/// A bad frame the simulator can send.
public enum SimulatorGarbage: String, Sendable, Hashable, CaseIterable {
    /// A well-framed message (invoke id 9999) whose payload is not XML: the link survives, the message is refused.
    case notXML = "garbage"
    /// A header whose length field (4) is shorter than the 8-byte header itself: the stream cannot be resynchronised.
    case lyingLength = "bad-length"
    /// A header announcing more bytes than follow, then the PBX closes the link: the gateway sees a truncated frame.
    case truncated
    /// A header announcing 200 bytes followed by a few bytes of XML, and the link left open: a switch that froze in the
    /// middle of a frame. Nothing more can be read on that link (later frames are swallowed by the unfinished one), so
    /// only the gateway's own timeouts (unanswered requests, keep-alives) can tell it to reconnect.
    case stalled = "stall"

    /// The bytes sent on the wire.
    public var bytes: [UInt8] {
        let text = Array("this is not XML".utf8)
        switch self {
        case .notXML:
            // ECMA-323 Annex J header: 0x00 0x00, total length, invoke id 9999.
            let length = CSTAFrame.headerLength + text.count
            return [0, 0, UInt8(length >> 8), UInt8(length & 0xFF)] + Array("9999".utf8) + text
        case .lyingLength:
            return [0, 0, 0, 4] + Array("9999".utf8) + text
        case .truncated:
            return [0, 0, 0, 200] + Array("9999".utf8) + text
        case .stalled:
            return [0, 0, 0, 200] + Array("9999".utf8) + Array(#"<?xml version="1.0""#.utf8)
        }
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    fileprivate var inSeconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

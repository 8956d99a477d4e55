/// Everything that can go wrong while framing, parsing or interpreting CSTA XML on a PBX link.
///
/// Framing errors (`invalidHeaderPrefix`, `invalidLength`, `invalidInvokeID`, `truncatedFrame`, `stalledFrame`) mean the byte stream can no
/// longer be trusted: the link must be closed, the reason logged and the connection re-established. The message-level
/// errors (`invalidXML`, `malformedMessage`) concern one frame whose boundaries are intact; the link layer may log them
/// and carry on. `invokeIDOutOfRange` and `frameTooLarge` are raised on the sending side only.
public enum CSTAProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Bytes 0–1 of a frame header were not 0x00 0x00 (ECMA-323 Annex J: the header starts with two zero bytes).
    case invalidHeaderPrefix(UInt8, UInt8)
    /// The header's length field (bytes 2–3) was smaller than the 8-byte header it includes.
    case invalidLength(Int)
    /// Bytes 4–7 of a header were not four ASCII digits; the offending bytes are kept for the log.
    case invalidInvokeID([UInt8])
    /// The stream ended in the middle of a frame: `received` of the `expected` bytes had arrived.
    case truncatedFrame(expected: Int, received: Int)
    /// A frame stopped arriving half-way: `received` of the `expected` bytes, and nothing more for `seconds`.
    case stalledFrame(expected: Int, received: Int, seconds: Double)
    /// An outgoing frame's invoke id cannot be written as four ASCII digits (it must be in 0...9999).
    case invokeIDOutOfRange(Int)
    /// An outgoing frame would exceed the 65,535 bytes (header included) that the 16-bit length field can express.
    case frameTooLarge(Int)
    /// The payload is not well-formed XML, contains a DOCTYPE, is too deep or is empty; `reason` says which.
    case invalidXML(String)
    /// A known CSTA message lacks an element the call model cannot do without (or has an unusable value in it).
    case malformedMessage(message: String, reason: String)

    /// A one-line explanation for logs, e.g. `CSTA frame header: length 3 is shorter than the 8-byte header`.
    public var description: String {
        switch self {
        case .invalidHeaderPrefix(let first, let second):
            "CSTA frame header: bytes 0-1 are \(Self.hex(first)) \(Self.hex(second)), expected 0x00 0x00"
        case .invalidLength(let length):
            "CSTA frame header: length \(length) is shorter than the 8-byte header"
        case .invalidInvokeID(let bytes):
            "CSTA frame header: invoke id bytes \(bytes.map(Self.hex).joined(separator: " ")) are not four ASCII digits"
        case .truncatedFrame(let expected, let received):
            "CSTA frame truncated: the stream ended after \(received) of \(expected) bytes"
        case .stalledFrame(let expected, let received, let seconds):
            "CSTA frame stalled: \(received) of \(expected) bytes, then nothing for \(seconds) s"
        case .invokeIDOutOfRange(let invokeID):
            "CSTA invoke id \(invokeID) is outside 0...9999"
        case .frameTooLarge(let length):
            "CSTA frame of \(length) bytes exceeds the 65535-byte maximum"
        case .invalidXML(let reason):
            "CSTA payload is not acceptable XML: \(reason)"
        case .malformedMessage(let message, let reason):
            "CSTA \(message) is malformed: \(reason)"
        }
    }

    /// `0x0A`-style rendering of one byte.
    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return "0x" + (digits.count == 1 ? "0" + digits : digits)
    }
}

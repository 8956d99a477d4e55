import NIOCore

/// One message on a CSTA link using ECMA-323 "TCP without SOAP" framing: an 8-byte header, then the XML.
///
/// Header layout (ECMA-323 Annex J): bytes 0–1 are 0x00 0x00; bytes 2–3 are the total frame length in bytes, header
/// included, big-endian; bytes 4–7 are the invoke id as four ASCII digits. Requests use `0001`–`9998` (see
/// `InvokeIDAllocator`), a response repeats its request's id and unsolicited events carry `9999`.
public struct CSTAFrame: Sendable, Hashable {
    /// The size of the fixed header that precedes the XML (ECMA-323 Annex J: 8-byte header).
    public static let headerLength = 8
    /// The largest frame the 16-bit length field can describe, header included.
    public static let maximumLength = Int(UInt16.max)
    /// The invoke ids a frame can carry: four ASCII digits.
    public static let invokeIDRange = 0...9999
    /// The invoke id a PBX puts on unsolicited events (ECMA-323 Annex J).
    public static let unsolicitedInvokeID = 9999

    /// The invoke id from header bytes 4–7.
    public var invokeID: Int
    /// The XML document, as raw (UTF-8) bytes.
    public var xml: [UInt8]

    /// Creates a frame around an XML payload that is already encoded.
    public init(invokeID: Int, xml: [UInt8]) {
        self.invokeID = invokeID
        self.xml = xml
    }

    /// Creates a frame carrying `request`, written in `edition`'s namespace.
    public init(invokeID: Int, request: CSTARequest, edition: CSTAEdition = .ed4) {
        self.init(invokeID: invokeID, xml: request.xml(edition: edition))
    }

    /// The total length of the encoded frame: header plus XML bytes (bytes, not characters).
    public var encodedLength: Int {
        Self.headerLength + xml.count
    }

    /// Encodes the frame (header then XML) into a new buffer.
    ///
    /// Throws `frameTooLarge` when the frame would exceed 65,535 bytes and `invokeIDOutOfRange` when the id does not fit
    /// in four digits; nothing is written in either case.
    public func encode() throws(CSTAProtocolError) -> ByteBuffer {
        var buffer = ByteBuffer()
        try encode(into: &buffer)
        return buffer
    }

    /// Appends the encoded frame to `buffer`; on error `buffer` is left untouched.
    public func encode(into buffer: inout ByteBuffer) throws(CSTAProtocolError) {
        let length = encodedLength
        guard length <= Self.maximumLength else {
            throw .frameTooLarge(length)
        }
        guard Self.invokeIDRange.contains(invokeID) else {
            throw .invokeIDOutOfRange(invokeID)
        }
        buffer.reserveCapacity(minimumWritableBytes: length)
        // ECMA-323 Annex J: two zero bytes, then the total length (header included) as a big-endian 16-bit integer.
        buffer.writeInteger(UInt16(0), endianness: .big)
        buffer.writeInteger(UInt16(length), endianness: .big)
        // ECMA-323 Annex J: the invoke id as four ASCII digits, zero-padded.
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: 4)
        var remaining = invokeID
        for index in stride(from: 3, through: 0, by: -1) {
            digits[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
        buffer.writeBytes(digits)
        buffer.writeBytes(xml)
    }

    /// Validates an 8-byte header and returns the total frame length and the invoke id it announces.
    ///
    /// Each defect has its own error so the link can log a precise reason before it closes.
    static func parseHeader(_ header: [UInt8]) throws(CSTAProtocolError) -> (length: Int, invokeID: Int) {
        precondition(header.count == headerLength, "a CSTA header is exactly 8 bytes")
        // ECMA-323 Annex J: bytes 0-1 are always zero.
        guard header[0] == 0, header[1] == 0 else {
            throw .invalidHeaderPrefix(header[0], header[1])
        }
        // ECMA-323 Annex J: bytes 2-3 hold the total length, header included, big-endian.
        let length = Int(header[2]) << 8 | Int(header[3])
        guard length >= headerLength else {
            throw .invalidLength(length)
        }
        // ECMA-323 Annex J: bytes 4-7 hold the invoke id in ASCII digits.
        let digits = header[4..<8]
        var invokeID = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                throw .invalidInvokeID(Array(digits))
            }
            invokeID = invokeID * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return (length, invokeID)
    }
}

/// Hands out invoke ids for outgoing requests: 1, 2, … 9998, then 1 again (ECMA-323 Annex J reserves 9999 for events).
///
/// A value type with no locking: keep one per link, owned by whatever serialises that link's writes.
public struct InvokeIDAllocator: Sendable, Hashable {
    /// The ids handed out, in order, before wrapping.
    public static let range = 1...9998

    /// The id most recently handed out (0 before the first call).
    public private(set) var last: Int

    /// Creates an allocator whose first `next()` returns the id following `last` (1 by default).
    public init(last: Int = 0) {
        self.last = Self.range.contains(last) ? last : 0
    }

    /// The next invoke id, wrapping from 9998 back to 1.
    public mutating func next() -> Int {
        last = last >= Self.range.upperBound ? Self.range.lowerBound : last + 1
        return last
    }
}

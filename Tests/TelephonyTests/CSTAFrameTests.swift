import NIOCore
import Telephony
import Testing

/// An invoke id and the four ASCII bytes ECMA-323 Annex J puts in header bytes 4–7 for it, spelled out literally.
struct InvokeIDCase: Sendable, CustomTestStringConvertible {
    let invokeID: Int
    let digits: [UInt8]
    var testDescription: String { "invoke id \(invokeID)" }
}

/// A payload and the header length bytes (2–3) its frame must carry, spelled out literally (header included, big-endian).
struct PayloadCase: Sendable, CustomTestStringConvertible {
    let label: String
    let xml: String
    let lengthHigh: UInt8
    let lengthLow: UInt8
    var testDescription: String { label }
}

/// Encoding of the ECMA-323 Annex J header, frame size limits and invoke id allocation.
@Suite struct CSTAFrameTests {
    static let invokeIDs: [InvokeIDCase] = [
        InvokeIDCase(invokeID: 1, digits: [0x30, 0x30, 0x30, 0x31]),
        InvokeIDCase(invokeID: 9998, digits: [0x39, 0x39, 0x39, 0x38]),
        InvokeIDCase(invokeID: 9999, digits: [0x39, 0x39, 0x39, 0x39]),
    ]

    static let payloads: [PayloadCase] = [
        // 17 ASCII bytes + 8 = 25 = 0x0019.
        PayloadCase(label: "ASCII", xml: "<SystemStatus/>\r\n", lengthHigh: 0x00, lengthLow: 0x19),
        // "Zoé" is 3 characters but 4 bytes: <a>Zoé</a> is 11 bytes + 8 = 19 = 0x0013.
        PayloadCase(label: "multi-byte name", xml: "<a>Zoé</a>", lengthHigh: 0x00, lengthLow: 0x13),
        // 300 × "é" = 600 bytes, plus <a></a> = 607 bytes + 8 = 615 = 0x0267: the high byte is used.
        PayloadCase(label: "over 255 bytes", xml: "<a>" + String(repeating: "é", count: 300) + "</a>", lengthHigh: 0x02, lengthLow: 0x67),
    ]

    @Test(arguments: invokeIDs, payloads)
    func headerCarriesZeroPrefixByteLengthAndFourDigitInvokeID(id: InvokeIDCase, payload: PayloadCase) throws {
        let frame = CSTAFrame(invokeID: id.invokeID, xml: Array(payload.xml.utf8))
        let buffer = try frame.encode()
        let bytes = Array(buffer.readableBytesView)
        #expect(Array(bytes[0..<8]) == [0x00, 0x00, payload.lengthHigh, payload.lengthLow] + id.digits)
        #expect(Array(bytes[8...]) == Array(payload.xml.utf8))
        #expect(bytes.count == Int(payload.lengthHigh) << 8 | Int(payload.lengthLow))
    }

    @Test(arguments: invokeIDs, payloads)
    func encodedFrameDecodesBackToTheSameFrame(id: InvokeIDCase, payload: PayloadCase) throws {
        let frame = CSTAFrame(invokeID: id.invokeID, xml: Array(payload.xml.utf8))
        let channel = FrameChannel()
        try channel.feed(try frame.encode())
        #expect(try channel.frames() == [frame])
    }

    @Test func lengthCountsBytesNotCharacters() throws {
        let xml = Array("<callingDevice>Zoé</callingDevice>".utf8)
        #expect("<callingDevice>Zoé</callingDevice>".count == 34)
        #expect(xml.count == 35)
        let bytes = Array(try CSTAFrame(invokeID: 1, xml: xml).encode().readableBytesView)
        #expect(bytes[2] == 0x00 && bytes[3] == 43)
    }

    @Test func largestFrameOf65535BytesIsEncoded() throws {
        let frame = CSTAFrame(invokeID: 42, xml: [UInt8](repeating: UInt8(ascii: "a"), count: 65_535 - 8))
        let bytes = Array(try frame.encode().readableBytesView)
        #expect(bytes.count == 65_535)
        #expect(Array(bytes[0..<8]) == [0x00, 0x00, 0xFF, 0xFF, 0x30, 0x30, 0x34, 0x32])
    }

    @Test func frameOneByteOverTheMaximumIsRefused() {
        let frame = CSTAFrame(invokeID: 1, xml: [UInt8](repeating: UInt8(ascii: "a"), count: 65_535 - 7))
        #expect(throws: CSTAProtocolError.frameTooLarge(65_536)) {
            try frame.encode()
        }
    }

    @Test func refusedFrameLeavesTheTargetBufferUntouched() {
        var buffer = ByteBuffer(bytes: [1, 2, 3])
        let frame = CSTAFrame(invokeID: 1, xml: [UInt8](repeating: 0x61, count: 70_000))
        #expect(throws: CSTAProtocolError.frameTooLarge(70_008)) {
            try frame.encode(into: &buffer)
        }
        #expect(Array(buffer.readableBytesView) == [1, 2, 3])
    }

    @Test(arguments: [-1, 10_000, 123_456])
    func invokeIDThatDoesNotFitFourDigitsIsRefused(invokeID: Int) {
        #expect(throws: CSTAProtocolError.invokeIDOutOfRange(invokeID)) {
            try CSTAFrame(invokeID: invokeID, xml: Array("<a/>".utf8)).encode()
        }
    }

    @Test func encoderHandlerWritesTheSameBytesAsEncode() throws {
        let frame = CSTAFrame(invokeID: 7, request: .monitorStart(device: "1001"))
        let channel = EmbeddedChannelHarness.encoderChannel()
        try channel.writeOutbound(frame)
        let written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(written == (try frame.encode()))
        _ = try channel.finish()
    }

    @Test func allocatorStartsAtOneAndCountsUp() {
        var allocator = InvokeIDAllocator()
        #expect(allocator.next() == 1)
        #expect(allocator.next() == 2)
        #expect(allocator.next() == 3)
    }

    @Test func allocatorWrapsFrom9998BackToOneAndNeverYields9999OrZero() {
        var allocator = InvokeIDAllocator(last: 9997)
        #expect(allocator.next() == 9998)
        #expect(allocator.next() == 1)
        #expect(allocator.next() == 2)
    }

    @Test func allocatorCyclesThroughEveryRequestIDExactlyOnce() {
        var allocator = InvokeIDAllocator()
        var seen = Set<Int>()
        for _ in 1...9998 {
            seen.insert(allocator.next())
        }
        #expect(seen == Set(1...9998))
        #expect(allocator.next() == 1)
    }

    @Test func requestFrameUsesTheRequestsXML() {
        let frame = CSTAFrame(invokeID: 12, request: .getForwarding(device: "1001"), edition: .ed6)
        #expect(frame.invokeID == 12)
        #expect(frame.xml == CSTARequest.getForwarding(device: "1001").xml(edition: .ed6))
        #expect(frame.encodedLength == frame.xml.count + 8)
    }
}

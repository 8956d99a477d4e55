import NIOCore
import NIOEmbedded
import NIOTestUtils
import Telephony
import Testing

/// A malformed 8-byte header and the distinct error it must produce.
struct BadHeaderCase: Sendable, CustomTestStringConvertible {
    let label: String
    let header: [UInt8]
    let error: CSTAProtocolError
    var testDescription: String { label }
}

/// The ECMA-323 Annex J stream decoder: reassembly across reads, several frames per read, and hostile headers.
@Suite struct CSTAFrameDecoderTests {
    static let first = RawFrame.bytes(invokeID: "0001", xml: "<MonitorStartResponse><monitorCrossRefID>7</monitorCrossRefID></MonitorStartResponse>")
    static let second = RawFrame.bytes(invokeID: "9999", xml: "<DoNotDisturbEvent><device>Zoé</device></DoNotDisturbEvent>")
    static let third = RawFrame.bytes(invokeID: "0042", xml: "")

    static let expected = [
        CSTAFrame(invokeID: 1, xml: Array(first[8...])),
        CSTAFrame(invokeID: 9999, xml: Array(second[8...])),
        CSTAFrame(invokeID: 42, xml: []),
    ]

    @Test func wholeFrameInOneReadYieldsOneFrame() throws {
        let channel = FrameChannel()
        try channel.feed(Self.first)
        #expect(try channel.frames() == [Self.expected[0]])
    }

    @Test func frameDeliveredOneByteAtATimeIsReassembled() throws {
        let channel = FrameChannel()
        for (index, byte) in Self.second.enumerated() {
            try channel.feed([byte])
            if index < Self.second.count - 1 {
                #expect(try channel.frames().isEmpty, "no frame before byte \(index + 1) of \(Self.second.count)")
            }
        }
        #expect(try channel.frames() == [Self.expected[1]])
    }

    @Test(arguments: [1, 5, 7, 8, 9, 40])
    func frameSplitAtAnyOffsetIsReassembled(splitAt offset: Int) throws {
        let channel = FrameChannel()
        try channel.feed(Array(Self.first[..<offset]))
        #expect(try channel.frames().isEmpty)
        try channel.feed(Array(Self.first[offset...]))
        #expect(try channel.frames() == [Self.expected[0]])
    }

    @Test func severalFramesInOneReadYieldEachFrameInOrder() throws {
        let channel = FrameChannel()
        try channel.feed(Self.first + Self.second + Self.third)
        #expect(try channel.frames() == Self.expected)
    }

    @Test func readEndingMidFrameKeepsTheTailForTheNextRead() throws {
        let channel = FrameChannel()
        let stream = Self.first + Self.second + Self.third
        let cut = Self.first.count + 3
        try channel.feed(Array(stream[..<cut]))
        #expect(try channel.frames() == [Self.expected[0]])
        try channel.feed(Array(stream[cut...]))
        #expect(try channel.frames() == Array(Self.expected[1...]))
    }

    @Test func nioVerifierAcceptsTheDecoderUnderEveryChunking() throws {
        let pairs = zip([Self.first, Self.second, Self.third], Self.expected).map { bytes, frame in
            (ByteBuffer(bytes: bytes), [frame])
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { CSTAFrameDecoder() }
    }

    static let badHeaders: [BadHeaderCase] = [
        BadHeaderCase(
            label: "byte 0 not zero",
            header: [0x01, 0x00, 0x00, 0x10, 0x30, 0x30, 0x30, 0x31],
            error: .invalidHeaderPrefix(0x01, 0x00)
        ),
        BadHeaderCase(
            label: "byte 1 not zero",
            header: [0x00, 0x3C, 0x00, 0x10, 0x30, 0x30, 0x30, 0x31],
            error: .invalidHeaderPrefix(0x00, 0x3C)
        ),
        BadHeaderCase(
            label: "XML without a header",
            header: Array("<?xml ve".utf8),
            error: .invalidHeaderPrefix(0x3C, 0x3F)
        ),
        BadHeaderCase(label: "length zero", header: [0x00, 0x00, 0x00, 0x00, 0x30, 0x30, 0x30, 0x31], error: .invalidLength(0)),
        BadHeaderCase(label: "length seven", header: [0x00, 0x00, 0x00, 0x07, 0x30, 0x30, 0x30, 0x31], error: .invalidLength(7)),
        BadHeaderCase(
            label: "letter in invoke id",
            header: [0x00, 0x00, 0x00, 0x10, 0x30, 0x30, 0x41, 0x31],
            error: .invalidInvokeID([0x30, 0x30, 0x41, 0x31])
        ),
        BadHeaderCase(
            label: "space-padded invoke id",
            header: [0x00, 0x00, 0x00, 0x10, 0x20, 0x20, 0x20, 0x31],
            error: .invalidInvokeID([0x20, 0x20, 0x20, 0x31])
        ),
        BadHeaderCase(
            label: "binary invoke id",
            header: [0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x01],
            error: .invalidInvokeID([0x00, 0x00, 0x00, 0x01])
        ),
    ]

    @Test(arguments: badHeaders)
    func malformedHeaderThrowsItsOwnTypedError(_ bad: BadHeaderCase) throws {
        let channel = FrameChannel()
        #expect(throws: bad.error) {
            try channel.feed(bad.header)
        }
        #expect(try channel.frames().isEmpty)
    }

    @Test func eachMalformedHeaderHasADistinctError() {
        #expect(Set(Self.badHeaders.map(\.error)).count == Self.badHeaders.count)
    }

    @Test func badHeaderIsRejectedBeforeItsAnnouncedBodyArrives() {
        // The length field announces 0x1000 bytes, but the invoke id is already wrong: fail now, do not buffer.
        let channel = FrameChannel()
        #expect(throws: CSTAProtocolError.invalidInvokeID(Array("12a4".utf8))) {
            try channel.feed([0x00, 0x00, 0x10, 0x00] + Array("12a4".utf8))
        }
    }

    @Test func goodFrameBeforeABadHeaderIsStillDelivered() throws {
        let channel = FrameChannel()
        #expect(throws: CSTAProtocolError.invalidHeaderPrefix(0xFF, 0xFF)) {
            try channel.feed(Self.first + [0xFF, 0xFF, 0x00, 0x10, 0x30, 0x30, 0x30, 0x31])
        }
        #expect(try channel.frames() == [Self.expected[0]])
    }

    @Test func bytesAfterAnErrorAreIgnoredRatherThanMisread() throws {
        let channel = FrameChannel()
        #expect(throws: CSTAProtocolError.invalidLength(3)) {
            try channel.feed([0x00, 0x00, 0x00, 0x03, 0x30, 0x30, 0x30, 0x31])
        }
        // NIO keeps the decoder in its error state: later bytes are reported with the original cause, never decoded.
        let later = #expect(throws: ByteToMessageDecoderError.self) {
            try channel.feed(Self.first)
        }
        guard case .dataReceivedInErrorState(let cause, _) = later else {
            Issue.record("expected dataReceivedInErrorState, got \(String(describing: later))")
            return
        }
        #expect(cause as? CSTAProtocolError == .invalidLength(3))
        #expect(try channel.frames().isEmpty)
    }

    @Test func streamEndingInsideAFrameReportsTruncation() throws {
        let channel = FrameChannel()
        try channel.feed(Array(Self.first[..<20]))
        #expect(throws: CSTAProtocolError.truncatedFrame(expected: Self.first.count, received: 20)) {
            _ = try channel.channel.finish()
        }
    }

    @Test func streamEndingInsideAHeaderReportsTruncation() throws {
        let channel = FrameChannel()
        try channel.feed([0x00, 0x00, 0x00])
        #expect(throws: CSTAProtocolError.truncatedFrame(expected: 8, received: 3)) {
            _ = try channel.channel.finish()
        }
    }

    @Test func streamEndingBetweenFramesIsClean() throws {
        let channel = FrameChannel()
        try channel.feed(Self.first + Self.second)
        #expect(try channel.frames().count == 2)
        #expect(try channel.channel.finish().isClean)
    }

    @Test func frameWrittenThroughTheEncoderIsReadBackThroughTheDecoder() throws {
        let request = CSTARequest.makeCall(callingDevice: "Zoé", calledDirectoryNumber: "+33 1 23 45 67 89")
        let frame = CSTACodec().frame(request, invokeID: 321)
        let sender = EmbeddedChannelHarness.encoderChannel()
        try sender.writeOutbound(frame)
        let receiver = FrameChannel()
        while let chunk = try sender.readOutbound(as: ByteBuffer.self) {
            try receiver.feed(chunk)
        }
        #expect(try receiver.frames() == [frame])
        _ = try sender.finish()
    }
}

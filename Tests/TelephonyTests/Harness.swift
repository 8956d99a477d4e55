import NIOCore
import NIOEmbedded
import Telephony

/// An `EmbeddedChannel` with a `CSTAFrameDecoder` in its pipeline, as the PBX link will have.
struct FrameChannel {
    let channel: EmbeddedChannel

    /// Creates the channel with the decoder installed.
    init() {
        channel = EmbeddedChannel(handler: ByteToMessageHandler(CSTAFrameDecoder()))
    }

    /// Delivers `bytes` as one read.
    func feed(_ bytes: [UInt8]) throws {
        try channel.writeInbound(ByteBuffer(bytes: bytes))
    }

    /// Delivers `buffer` as one read.
    func feed(_ buffer: ByteBuffer) throws {
        try channel.writeInbound(buffer)
    }

    /// Every frame decoded so far.
    func frames() throws -> [CSTAFrame] {
        var frames: [CSTAFrame] = []
        while let frame = try channel.readInbound(as: CSTAFrame.self) {
            frames.append(frame)
        }
        return frames
    }
}

/// Factories for channels used by more than one suite.
enum EmbeddedChannelHarness {
    /// A channel whose outbound side encodes `CSTAFrame`s.
    static func encoderChannel() -> EmbeddedChannel {
        EmbeddedChannel(handler: MessageToByteHandler(CSTAFrameEncoder()))
    }
}

/// Builds raw frames byte by byte, independently of `CSTAFrame.encode`, so decoder tests do not trust the encoder.
enum RawFrame {
    /// An 8-byte header followed by `xml`, with the length computed here and the invoke id as given.
    static func bytes(invokeID: String, xml: String) -> [UInt8] {
        let body = Array(xml.utf8)
        let length = body.count + 8
        return [0x00, 0x00, UInt8(length >> 8), UInt8(length & 0xFF)] + Array(invokeID.utf8) + body
    }
}

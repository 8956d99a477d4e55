import NIOCore

/// Splits a TCP byte stream from a PBX into `CSTAFrame`s (ECMA-323 Annex J framing).
///
/// Handles frames split across reads and several frames in one read. A bad header throws a `CSTAProtocolError` as soon as
/// its 8 bytes have arrived, without waiting for the body: after that the stream cannot be resynchronised, so
/// `ByteToMessageHandler` stops decoding and fires the error, and the link closes with that reason and reconnects. The
/// 16-bit length field bounds every frame to 65,535 bytes, so a peer cannot make the decoder buffer more than that per frame.
public struct CSTAFrameDecoder: ByteToMessageDecoder, Sendable {
    /// The decoder's output.
    public typealias InboundOut = CSTAFrame

    /// Creates a decoder; it keeps no state between frames.
    public init() {}

    /// Decodes one frame if a complete one is buffered.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try Self.nextFrame(from: &buffer) else {
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    /// Decodes what is left when the channel closes; a partial frame at EOF is reported as `truncatedFrame`.
    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if seenEOF, buffer.readableBytes > 0 {
            let received = buffer.readableBytes
            var expected = CSTAFrame.headerLength
            if let header = buffer.getBytes(at: buffer.readerIndex, length: CSTAFrame.headerLength) {
                expected = try CSTAFrame.parseHeader(header).length
            }
            buffer.moveReaderIndex(forwardBy: received)
            throw CSTAProtocolError.truncatedFrame(expected: expected, received: received)
        }
        return .needMoreData
    }

    /// Removes and returns the first complete frame in `buffer`, or nil (consuming nothing) when more bytes are needed.
    static func nextFrame(from buffer: inout ByteBuffer) throws(CSTAProtocolError) -> CSTAFrame? {
        // ECMA-323 Annex J: 8-byte header.
        guard let header = buffer.getBytes(at: buffer.readerIndex, length: CSTAFrame.headerLength) else {
            return nil
        }
        let (length, invokeID) = try CSTAFrame.parseHeader(header)
        guard buffer.readableBytes >= length else {
            return nil
        }
        buffer.moveReaderIndex(forwardBy: CSTAFrame.headerLength)
        let xml = buffer.readBytes(length: length - CSTAFrame.headerLength) ?? []
        return CSTAFrame(invokeID: invokeID, xml: xml)
    }
}

/// Writes outgoing `CSTAFrame`s with their ECMA-323 Annex J header; the counterpart of `CSTAFrameDecoder`.
///
/// A frame that cannot be encoded (too large, invoke id out of range) fails its write with the `CSTAProtocolError`.
public struct CSTAFrameEncoder: MessageToByteEncoder, Sendable {
    /// The encoder's input.
    public typealias OutboundIn = CSTAFrame

    /// Creates an encoder; it keeps no state.
    public init() {}

    /// Appends `data`'s header and XML to `out`.
    public func encode(data: CSTAFrame, out: inout ByteBuffer) throws {
        try data.encode(into: &out)
    }
}

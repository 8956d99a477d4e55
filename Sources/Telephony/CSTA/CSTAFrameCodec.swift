import NIOCore

/// Splits a TCP byte stream from a PBX into `CSTAFrame`s (ECMA-323 Annex J framing).
///
/// Handles frames split across reads and several frames in one read. A bad header throws a `CSTAProtocolError` as soon as
/// its 8 bytes have arrived, without waiting for the body: after that the stream cannot be resynchronised, so
/// `ByteToMessageHandler` stops decoding and fires the error, and the link closes with that reason and reconnects. The
/// 16-bit length field bounds every frame to 65,535 bytes, so a peer cannot make the decoder buffer more than that per frame.
///
/// With a `stallTimeout`, a frame that stops arriving half-way (a header announcing more bytes than ever come) fails the
/// channel with `stalledFrame` once no byte has arrived for that long, instead of leaving the link "connected" until a
/// keep-alive times out: the link then closes with that reason and reconnects. Only time the socket was being read
/// counts: with a `CSTAReadDemand` (kept by `CSTAReadDemandHandler`), a pause while the gateway's own consumer holds
/// reads back (back-pressure from a busy event path) is not the PBX stalling.
public struct CSTAFrameDecoder: ByteToMessageDecoder, Sendable {
    /// The decoder's output.
    public typealias InboundOut = CSTAFrame

    /// How long a partly received frame may wait for its next byte; nil waits for ever.
    private let stallTimeout: TimeAmount?
    /// Fires when the partly received frame has waited `stallTimeout`.
    private var stallTimer: StallTimer?
    /// The bytes buffered when the timer was armed: more means the frame is still arriving.
    private var bufferedWhenArmed = 0
    /// Whether the socket is being read, when known.
    private let demand: CSTAReadDemand?

    /// Creates a decoder; `stallTimeout` bounds how long a frame may stall mid-way (nil: no bound), counting only time
    /// when `demand` says the socket was being read (always, without one).
    public init(stallTimeout: TimeAmount? = nil, demand: CSTAReadDemand? = nil) {
        self.stallTimeout = stallTimeout
        self.demand = demand
    }

    /// Decodes one frame if a complete one is buffered.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try Self.nextFrame(from: &buffer) else {
            watchForStall(context: context, buffer: buffer)
            return .needMoreData
        }
        // The frame is whole; a partial one behind it arms the timer afresh on the next call.
        stallTimer?.cancel()
        stallTimer = nil
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    /// Stops the stall timer when the handler goes (the channel closed).
    public mutating func decoderRemoved(context: ChannelHandlerContext) {
        stallTimer?.cancel()
        stallTimer = nil
    }

    /// (Re)arms the stall timer while part of a frame is buffered and still growing; disarms it when nothing is.
    private mutating func watchForStall(context: ChannelHandlerContext, buffer: ByteBuffer) {
        guard let stallTimeout else {
            return
        }
        let buffered = buffer.readableBytes
        guard buffered > 0 else {
            stallTimer?.cancel()
            stallTimer = nil
            return
        }
        guard stallTimer == nil || buffered != bufferedWhenArmed else {
            return
        }
        stallTimer?.cancel()
        bufferedWhenArmed = buffered
        var expected = CSTAFrame.headerLength
        if let header = buffer.getBytes(at: buffer.readerIndex, length: CSTAFrame.headerLength),
            let parsed = try? CSTAFrame.parseHeader(header)
        {
            expected = parsed.length
        }
        let error = CSTAProtocolError.stalledFrame(
            expected: expected,
            received: buffered,
            seconds: Double(stallTimeout.nanoseconds) / 1_000_000_000
        )
        // The timer runs on the channel's own event loop, the only place the context may be touched.
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let timer = StallTimer()
        timer.arm(on: context.eventLoop, in: stallTimeout, timeout: stallTimeout, demand: demand) {
            bound.value.fireErrorCaught(error)
            bound.value.close(promise: nil)
        }
        stallTimer = timer
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

/// Whether the channel has asked its socket for bytes and since when: set by `CSTAReadDemandHandler` (an outbound
/// `read` passed), cleared when bytes arrive. Confined to the channel's event loop.
public final class CSTAReadDemand: @unchecked Sendable {
    /// When the outstanding read was asked for (the event loop's clock); nil while none is (the consumer holds reads
    /// back). A channel that starts reading on its own (auto-read) sets it at the first `read`.
    var since: NIODeadline?

    public init() {}
}

/// Keeps a `CSTAReadDemand`; goes nearest the socket, so it sees the reads the rest of the pipeline lets through.
public final class CSTAReadDemandHandler: ChannelDuplexHandler, Sendable {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    let demand: CSTAReadDemand

    public init(demand: CSTAReadDemand) { self.demand = demand }

    public func read(context: ChannelHandlerContext) {
        if demand.since == nil { demand.since = context.eventLoop.now }
        context.read()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        demand.since = nil
        context.fireChannelRead(data)
    }
}

/// The stall timer of one partial frame: it fires `stalled` once the socket has been read for `timeout` without the
/// frame growing, and waits longer while reads are held back. Confined to the channel's event loop.
final class StallTimer: @unchecked Sendable {
    private var scheduled: Scheduled<Void>?
    private var cancelled = false

    /// Cancels the timer, wherever it has got to (a re-armed timer is a new task).
    func cancel() {
        cancelled = true
        scheduled?.cancel()
    }

    func arm(on loop: any EventLoop, in delay: TimeAmount, timeout: TimeAmount, demand: CSTAReadDemand?, stalled: @escaping @Sendable () -> Void) {
        scheduled = loop.scheduleTask(in: delay) { [self] in
            guard !cancelled else { return }
            if let demand {
                guard let since = demand.since else {
                    // Nothing asked of the socket: the consumer is busy, not the PBX. Look again soon, so that the
                    // count starts close to when reads resume.
                    return arm(on: loop, in: .nanoseconds(timeout.nanoseconds / 10), timeout: timeout, demand: demand, stalled: stalled)
                }
                let reading = loop.now - since
                if reading < timeout { return arm(on: loop, in: timeout - reading, timeout: timeout, demand: demand, stalled: stalled) }
            }
            stalled()
        }
    }
}

import Logging
import NIOCore
import NIOPosix

/// A simulated PBX on TCP: ECMA-323 XML over ECMA-323 Annex J framing, in front of a `PBXSwitch`.
///
/// Follows SwiftNIO's `NIOTCPEchoServer`: a `ServerBootstrap` whose children are `NIOAsyncChannel`s, each served in its
/// own task of a discarding task group with its own error handling, so one bad peer cannot stop the server. Each
/// connection is a session of the switch: requests are answered under their invoke id, events come with 9999, the
/// switch's SystemStatus keep-alive goes out every `keepAliveInterval`, and closing the connection drops its monitors.
///
/// Tests and the demo use the PBX-side control (`placeCall`, `answer`, `hangUp`, …, or `pbxSwitch` directly), the truth
/// (`calls()`, `state(of:)`, `monitoredDevices()`), faults (`dropAllConnections()`, `sendGarbage(_:)`,
/// `setResponseDelay(_:)`, `setAnswering(_:)`), scenarios (`run(_:pace:)`) and load (`startLoad(_:)`).
public actor PBXSimulator {
    /// How the simulator listens and behaves.
    public struct Configuration: Sendable {
        /// The address to listen on.
        public var host: String
        /// The port to listen on; 0 picks a free one (see `port`).
        public var port: Int
        /// The ECMA-323 edition responses and events are written in (`style.defaultEdition` is what a real switch of
        /// the style would choose; the real style's keep-alive is ed3 whatever this says).
        public var edition: CSTAEdition
        /// How the simulated switch speaks; the simulator gives it to both the switch and the codec, replacing
        /// `switchConfiguration.style`.
        public var style: SimulatorStyle
        /// How often the switch sends its SystemStatus keep-alive on every link; nil sends none.
        public var keepAliveInterval: Duration?
        /// Faults active from the start.
        public var faults: [SimulatorFault]
        /// The telephony model: numbering, timeouts, application session.
        public var switchConfiguration: PBXSwitch.Configuration

        /// Creates a configuration: 127.0.0.1 on a free port, ed4, the plain style, a keep-alive every 30 s, no fault.
        public init(
            host: String = "127.0.0.1",
            port: Int = 0,
            edition: CSTAEdition = .ed4,
            style: SimulatorStyle = .plain,
            keepAliveInterval: Duration? = .seconds(30),
            faults: [SimulatorFault] = [],
            switchConfiguration: PBXSwitch.Configuration = PBXSwitch.Configuration()
        ) {
            self.host = host
            self.port = port
            self.edition = edition
            self.style = style
            self.keepAliveInterval = keepAliveInterval
            self.faults = faults
            self.switchConfiguration = switchConfiguration
        }

        /// Whether every request before StartApplicationSession is refused (a switch setting).
        public var requiresApplicationSession: Bool {
            get { switchConfiguration.requiresApplicationSession }
            set { switchConfiguration.requiresApplicationSession = newValue }
        }
    }

    /// The simulator cannot start.
    public struct StartError: Error, Sendable, CustomStringConvertible {
        /// Why.
        public var description: String
    }

    /// The configuration the simulator was created with.
    public nonisolated let configuration: Configuration
    /// The simulated switch behind the socket.
    public nonisolated let pbxSwitch: PBXSwitch

    private let logger: Logger
    private let codec: PBXCodec
    private var serverChannel: (any Channel)?
    /// Whether `serve(_:)` runs: accepting and serving connections, the keep-alive, periodic faults and load mode, all
    /// children of the task that runs the simulator (`run(listening:)` or `running(_:)`).
    private var isServing = false
    /// Load mode's requests, taken by the child of `serve(_:)` that runs the load.
    private let loadRequests: AsyncStream<LoadRequest>
    private let loadQueue: AsyncStream<LoadRequest>.Continuation
    private var boundPort: Int?
    private var responseDelay: Duration?
    /// Set by `stop()`: the switch is shut down for good.
    private var stopped = false

    /// Creates a simulator; nothing listens before `run(listening:)` or `running(_:)`. Without a `logger` the simulator logs nothing (tests);
    /// `pbx-sim` passes the one it bootstrapped.
    public init(
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "tws.pbx-sim", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        var configuration = configuration
        configuration.switchConfiguration.style = configuration.style
        self.configuration = configuration
        self.logger = logger
        codec = PBXCodec(edition: configuration.edition, style: configuration.style, numbering: configuration.switchConfiguration.numbering)
        pbxSwitch = PBXSwitch(configuration: configuration.switchConfiguration)
        (loadRequests, loadQueue) = AsyncStream.makeStream(of: LoadRequest.self)
        for fault in configuration.faults {
            switch fault {
            case .responseDelay(let delay): responseDelay = delay
            case .silent, .dropEvery, .garbageEvery: break
            }
        }
    }

    /// The port the simulator listens on, once started.
    public var port: Int? {
        boundPort
    }

    /// Binds the listening socket (once per simulator) and applies the faults active from the start.
    private func bind() async throws -> (NIOAsyncChannel<NIOAsyncChannel<CSTAFrame, ByteBuffer>, Never>, Int) {
        guard serverChannel == nil, !stopped else {
            throw StartError(description: stopped ? "a stopped simulator cannot be started again" : "the simulator is already running")
        }
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    // ECMA-323 Annex J framing inbound; outbound frames are encoded before writing so that fault
                    // injection can also write raw bytes.
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(CSTAFrameDecoder()))
                    return try NIOAsyncChannel<CSTAFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        guard let port = server.channel.localAddress?.port else {
            try? await server.channel.close()
            throw StartError(description: "the listening socket has no port")
        }
        serverChannel = server.channel
        boundPort = port
        if configuration.faults.contains(.silent) {
            await pbxSwitch.setAnswering(false)
        }
        logger.info("PBX simulator listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
        return (server, port)
    }

    /// The PBX goes away: stops listening, closes every connection and stops load for good (a simulator runs once);
    /// what still runs ends when `running(_:)` or `run(listening:)` returns. Calling it again does nothing more.
    public func stop() async {
        stopped = true
        await stopLoad()
        loadQueue.finish()
        try? await serverChannel?.close()
        serverChannel = nil
        await pbxSwitch.shutdown()
        boundPort = nil
    }

    /// Runs the simulator beside `body` (tests, `pbx-sim`): listening before `body` starts, with the port it got, and
    /// stopped, everything it ran ended, before this returns.
    public nonisolated func running<Result: Sendable>(_ body: (Int) async throws -> Result) async throws -> Result {
        let (server, port) = try await bind()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.serve(server) }
            let outcome: Swift.Result<Result, any Error>
            do { outcome = .success(try await body(port)) } catch { outcome = .failure(error) }
            await stopLoad()
            // Stopping closes the socket and the sessions; serving then ends once every connection is written out.
            await stop()
            try await group.waitForAll()
            return try outcome.get()
        }
    }

    /// Runs the simulator in the calling task until it is cancelled (the demo's Service and `pbx-sim`): binds, tells
    /// `listening` the port, serves, and stops everything before returning.
    public func run(listening: @Sendable (Int) -> Void = { _ in }) async throws {
        let (server, port) = try await bind()
        listening(port)
        await serve(server)
        await stop()
    }

    // MARK: Serving

    /// Everything a started simulator does, as children of one task group: accepting connections, the keep-alive,
    /// periodic faults, and load mode.
    private func serve(_ server: NIOAsyncChannel<NIOAsyncChannel<CSTAFrame, ByteBuffer>, Never>) async {
        isServing = true
        defer { isServing = false }
        let pbxSwitch = self.pbxSwitch
        let loadRequests = self.loadRequests
        await withDiscardingTaskGroup { group in
            if let interval = configuration.keepAliveInterval {
                group.addTask { await Self.repeating(every: interval) { await pbxSwitch.sendKeepAlive() } }
            }
            for fault in configuration.faults {
                switch fault {
                case .dropEvery(let interval):
                    group.addTask { await Self.repeating(every: interval) { await pbxSwitch.closeAllSessions() } }
                case .garbageEvery(let interval, let garbage):
                    group.addTask { await Self.repeating(every: interval) { await Self.send(garbage, on: pbxSwitch) } }
                case .responseDelay, .silent:
                    break
                }
            }
            group.addTask { await Self.runLoads(loadRequests, on: pbxSwitch) }
            // Serving ends when accepting does: `stop()` closes the listening socket and the sessions, whose
            // connections first write what the switch still had for them (the last hang-ups' events).
            await accept(server)
            group.cancelAll()
        }
    }

    /// Load mode: one load at a time, run until the next request replaces or stops it (a load that stops hangs up its
    /// calls, `PBXSwitch.runLoad`), or until the simulator stops.
    private static func runLoads(_ requests: AsyncStream<LoadRequest>, on pbxSwitch: PBXSwitch) async {
        /// What ends a running load's wait.
        enum Turn: Sendable {
            case request(LoadRequest)
            case loadEnded
            case noMoreRequests
        }
        var next = await first(of: requests)
        while let request = next {
            switch request {
            case .stop(let stopped):
                stopped.resume()
                next = await first(of: requests)
            case .start(let load):
                next = await withTaskGroup(of: Turn.self) { group in
                    group.addTask {
                        await pbxSwitch.runLoad(load)
                        return .loadEnded
                    }
                    group.addTask { await first(of: requests).map(Turn.request) ?? .noMoreRequests }
                    for await turn in group {
                        switch turn {
                        case .loadEnded: continue
                        case .request(let request):
                            group.cancelAll()
                            return request
                        case .noMoreRequests:
                            group.cancelAll()
                            return nil
                        }
                    }
                    return nil
                }
            }
        }
    }

    /// The next element of a stream read by one task at a time; nil once it is finished or the task is cancelled.
    private static func first<Element>(of stream: AsyncStream<Element>) async -> Element? {
        var iterator = stream.makeAsyncIterator()
        return await iterator.next()
    }

    /// Accepts connections until the server channel closes; each connection is served in its own child task.
    private func accept(_ server: NIOAsyncChannel<NIOAsyncChannel<CSTAFrame, ByteBuffer>, Never>) async {
        do {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask {
                            await self.serve(connection)
                        }
                    }
                }
            }
        } catch where Task.isCancelled {
            // The simulator is stopping.
        } catch {
            logger.error("PBX simulator stopped accepting", metadata: ["error": "\(error)"])
        }
    }

    /// Serves one connection: a writer drains the session's output in order; a reader hands frames to the switch.
    /// Whichever ends first (peer closed, `.close` from the switch, a framing error) ends both, and the session.
    private func serve(_ connection: NIOAsyncChannel<CSTAFrame, ByteBuffer>) async {
        let (outputs, continuation) = AsyncStream.makeStream(of: SimulatorOutput.self)
        let session = await pbxSwitch.openSession { output in
            continuation.yield(output)
            if case .close = output {
                continuation.finish()
            }
        }
        let peer = connection.channel.remoteAddress.map { "\($0)" } ?? "unknown"
        logger.info("gateway connected", metadata: ["peer": "\(peer)", "session": "\(session)"])
        let codec = self.codec
        let logger = self.logger
        do {
            try await connection.executeThenClose { inbound, outbound in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await output in outputs {
                            let frame: CSTAFrame
                            switch output {
                            case .message(let invokeID, let message):
                                frame = codec.frame(message, invokeID: invokeID)
                            case .vendorEvent(let event):
                                frame = codec.frame(event)
                            case .raw(let bytes):
                                try await outbound.write(ByteBuffer(bytes: bytes))
                                continue
                            case .close:
                                return
                            }
                            do {
                                try await outbound.write(try frame.encode())
                            } catch let error as CSTAProtocolError {
                                logger.error("cannot frame an outgoing message", metadata: ["error": "\(error)"])
                            }
                        }
                    }
                    group.addTask {
                        for try await frame in inbound {
                            await self.receive(frame, session: session)
                        }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch {
            logger.info("gateway connection failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
        continuation.finish()
        await pbxSwitch.closeSession(session)
        logger.info("gateway disconnected", metadata: ["peer": "\(peer)", "session": "\(session)"])
    }

    /// Hands one frame to the switch after the response delay, if any.
    private func receive(_ frame: CSTAFrame, session: PBXSessionID) async {
        if let responseDelay {
            try? await Task.sleep(for: responseDelay)
        }
        await pbxSwitch.receive(frame, session: session)
    }

    /// Runs `action` every `interval` until the task is cancelled.
    private static func repeating(every interval: Duration, _ action: @Sendable () async -> Void) async {
        while true {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            await action()
        }
    }

    // MARK: Faults

    /// Closes every gateway connection now (their monitors are dropped); the simulator keeps listening.
    public func dropAllConnections() async {
        await pbxSwitch.closeAllSessions()
    }

    /// Sends a bad frame on every connection (`.truncated` also closes them, so the gateway sees the frame cut short;
    /// after `.stalled` they stay open, with the frame never finished).
    public func sendGarbage(_ garbage: SimulatorGarbage) async {
        await Self.send(garbage, on: pbxSwitch)
    }

    /// Sends `garbage` on every link of `pbxSwitch`.
    private static func send(_ garbage: SimulatorGarbage, on pbxSwitch: PBXSwitch) async {
        await pbxSwitch.sendRaw(garbage.bytes)
        if garbage == .truncated {
            await pbxSwitch.closeAllSessions()
        }
    }

    /// Delays every response (and the events it causes) by `delay`; nil answers at once.
    public func setResponseDelay(_ delay: Duration?) {
        responseDelay = delay
    }

    /// When false, requests are ignored (no response, no effect) so the gateway's requests time out.
    public func setAnswering(_ answering: Bool) async {
        await pbxSwitch.setAnswering(answering)
    }

    /// The gateway connections currently open.
    public func connectionCount() async -> Int {
        await pbxSwitch.sessionCount()
    }

    // MARK: Load and scenarios

    /// Starts load mode (replacing a running load) once the simulator runs; see `SimulatorLoad`.
    public func startLoad(_ load: SimulatorLoad) {
        loadQueue.yield(.start(load))
    }

    /// Stops load mode and waits until its calls are hung up (at once when the simulator does not run).
    public func stopLoad() async {
        guard isServing else { return }
        await withCheckedContinuation { (stopped: CheckedContinuation<Void, Never>) in
            if case .terminated = loadQueue.yield(.stop(stopped)) { stopped.resume() }
        }
    }

    /// Plays a scripted scenario; see `SimulatorScenario.run(on:pace:)`.
    public nonisolated func run(_ scenario: SimulatorScenario, pace: Duration = .zero) async throws {
        try await scenario.run(on: pbxSwitch, pace: pace)
    }

    // MARK: PBX-side control and truth (shortcuts to `pbxSwitch`)

    /// A phone dials; see `PBXSwitch.placeCall(from:to:)`.
    @discardableResult
    public nonisolated func placeCall(from caller: String, to destination: String) async throws(CSTAError) -> ConnectionID {
        try await pbxSwitch.placeCall(from: caller, to: destination)
    }

    /// A phone answers its ringing call; see `PBXSwitch.answer(device:)`.
    @discardableResult
    public nonisolated func answer(device: String) async throws(CSTAError) -> ConnectionID {
        try await pbxSwitch.answer(device: device)
    }

    /// A phone hangs up all its calls; see `PBXSwitch.hangUp(device:)`.
    public nonisolated func hangUp(device: String) async throws(CSTAError) {
        try await pbxSwitch.hangUp(device: device)
    }

    /// Makes a device busy or free; see `PBXSwitch.setBusy(_:_:)`.
    public nonisolated func setBusy(_ device: String, _ busy: Bool) async {
        await pbxSwitch.setBusy(device, busy)
    }

    /// Every call in progress.
    public nonisolated func calls() async -> [SimulatorCall] {
        await pbxSwitch.calls()
    }

    /// A device's connections and their states.
    public nonisolated func state(of device: String) async -> [SimulatorConnection] {
        await pbxSwitch.state(of: device)
    }

    /// The devices at least one gateway monitors.
    public nonisolated func monitoredDevices() async -> Set<String> {
        await pbxSwitch.monitoredDevices()
    }

    /// The voicemail system records a message for `device`; see `PBXSwitch.leaveVoicemail(for:)`.
    public nonisolated func leaveVoicemail(for device: String) async throws(CSTAError) {
        try await pbxSwitch.leaveVoicemail(for: device)
    }

    /// `device`'s owner listened to their messages; see `PBXSwitch.hearVoicemail(of:)`.
    public nonisolated func hearVoicemail(of device: String) async {
        await pbxSwitch.hearVoicemail(of: device)
    }

    /// How many voicemail messages wait for `device`.
    public nonisolated func messageCount(of device: String) async -> Int {
        await pbxSwitch.messageCount(of: device)
    }

    /// Whether a device has do-not-disturb on.
    public nonisolated func isDoNotDisturb(_ device: String) async -> Bool {
        await pbxSwitch.isDoNotDisturb(device)
    }

    /// A device's forwarding settings.
    public nonisolated func forwarding(of device: String) async -> [CSTAForwardingSetting] {
        await pbxSwitch.forwarding(of: device)
    }

    /// What the switch has done so far (calls, events, requests).
    public nonisolated func counters() async -> SimulatorCounters {
        await pbxSwitch.currentCounters()
    }
}

/// What load mode is asked to do.
enum LoadRequest: Sendable {
    case start(SimulatorLoad)
    /// Stop the running load; resumed once its calls are hung up.
    case stop(CheckedContinuation<Void, Never>)
}

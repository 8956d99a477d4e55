import Domain
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A CSTA XML client link to one PBX (ECMA-323 over TCP with the 8-byte header).
///
/// `run()` connects, opens an application session when configured, monitors every wanted device (then snapshots it so
/// calls in progress are known), keeps the link alive with SystemStatus, and reconnects with capped exponential backoff
/// when anything goes wrong. Events reach `onEvent` in the order the PBX sent them, one at a time.
public final class CSTALink: Sendable {
    public let configuration: CSTALinkConfiguration
    private let onEvent: @Sendable (SwitchEvent) async -> Void
    private let logger: Logger
    private let state = Mutex(State())

    private enum Purpose {
        case plain
        /// A keep-alive (ours, or the check after a request timed out).
        case keepAlive
        case monitor(String)
        case snapshot(String)
        /// GetMessageWaitingIndicator after a snapshot: the voicemail lamp as it is when monitoring starts.
        case messageWaiting(String)
        /// MakeCall from the device to the number: its answer puts the call on the device's line, in stream order.
        case makeCall(device: String, number: String)

        var isKeepAlive: Bool {
            if case .keepAlive = self { true } else { false }
        }
    }

    private enum Slot {
        case waiting(Purpose, ContinuousClock.Instant)
        case attached(Purpose, ContinuousClock.Instant, CheckedContinuation<CSTAMessage, any Error>)
        case arrived(Result<CSTAMessage, CSTALinkError>)
    }

    private struct State {
        var writer: NIOAsyncChannelOutboundWriter<CSTAFrame>?
        var allocator = InvokeIDAllocator()
        var slots: [Int: Slot] = [:]
        var wanted: [String] = [] {
            didSet { wantedSet = Set(wanted) }
        }
        /// `wanted` as a set: which link supervises a device is asked on every command.
        var wantedSet: Set<String> = []
        var starting: Set<String> = []
        var monitors: [String: String] = [:]
        var devicesByCrossRef: [String: String] = [:]
        var refused: [String: String] = [:]
        var connectedSince: Date?
        var lastError: String?
        var reconnects = 0
        var eventsReceived = 0
        /// A request timed out: the keep-alive loop checks the PBX now rather than at its next interval.
        var probeRequested = false
        /// A monitor (or its snapshot) went unanswered on this session: once a keep-alive shows the PBX still there,
        /// the missing monitors are started again (`remonitorRequested`) rather than left out until a reconnect.
        var monitorsUnanswered = false
        var remonitorRequested = false
    }

    public init(
        configuration: CSTALinkConfiguration,
        devices: [String] = [],
        logger: Logger,
        onEvent: @escaping @Sendable (SwitchEvent) async -> Void
    ) {
        self.configuration = configuration
        self.onEvent = onEvent
        var logger = logger
        logger[metadataKey: "pbx_link"] = "\(configuration.linkId)"
        self.logger = logger
        state.withLock { $0.wanted = devices }
    }

    public var status: CSTALinkStatus {
        state.withLock { state in
            CSTALinkStatus(
                linkId: configuration.linkId,
                domainId: configuration.domainId,
                host: configuration.host,
                port: configuration.port,
                connected: state.connectedSince != nil,
                connectedSince: state.connectedSince,
                devices: state.wanted,
                monitored: Set(state.monitors.keys),
                refused: state.refused,
                lastError: state.lastError,
                reconnects: state.reconnects,
                eventsReceived: state.eventsReceived
            )
        }
    }

    /// Whether `device` is one this link supervises (monitored or not yet): a lookup, unlike `status`, which copies
    /// every device of the link.
    public func supervises(_ device: String) -> Bool {
        state.withLock { $0.wantedSet.contains(device) }
    }

    /// Connection state and how many devices are monitored, without copying the devices.
    public var health: (connected: Bool, monitored: Int, lastError: String?, reconnects: Int) {
        state.withLock { ($0.connectedSince != nil, $0.monitors.count, $0.lastError, $0.reconnects) }
    }

    /// Whether the link's device list is `devices` already.
    func wants(exactly devices: [String]) -> Bool {
        state.withLock { $0.wanted == devices }
    }

    /// Runs until the task is cancelled: connect, supervise, and reconnect after every failure.
    public func run() async {
        var backoff = configuration.initialBackoff
        while !Task.isCancelled {
            var reason = "closed by the PBX"
            do {
                try await session()
            } catch is CancellationError {
                reason = "stopped"
            } catch {
                reason = "\(error)"
            }
            // A link that got as far as supervising starts its backoff afresh.
            if await linkDown(reason: reason) { backoff = configuration.initialBackoff }
            guard !Task.isCancelled else { break }
            // ±20% jitter so many gateways do not reconnect to one PBX in lockstep.
            let delay = backoff * Double.random(in: 0.8...1.2)
            logger.info(
                "PBX link down, reconnecting",
                metadata: [
                    "reason": "\(reason)", "delay_ms": "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)",
                ]
            )
            try? await Task.sleep(for: delay)
            backoff = min(backoff * 2, configuration.maximumBackoff)
        }
    }

    /// Changes the devices to supervise; when connected, starts and stops monitors to match.
    public func setDevices(_ devices: [String]) async {
        let removed: [(String, String)] = state.withLock { state in
            state.wanted = devices
            let keep = Set(devices)
            let gone = state.monitors.filter { !keep.contains($0.key) }
            for (device, crossRef) in gone {
                state.monitors[device] = nil
                state.devicesByCrossRef[crossRef] = nil
            }
            state.refused = state.refused.filter { keep.contains($0.key) }
            return gone.map { ($0.key, $0.value) }
        }
        for (device, crossRef) in removed {
            _ = try? await send(.monitorStop(crossRefIdentifier: crossRef))
            await onEvent(.released(device: device))
        }
        if state.withLock({ $0.writer != nil }) {
            await monitorMissing()
        }
    }

    /// Sends a Domain command and maps the answer.
    public func execute(_ command: SwitchCommand) async throws(SwitchError) -> SwitchReply {
        let purpose: Purpose
        switch command {
        case .makeCall(let device, let number): purpose = .makeCall(device: device, number: number)
        case .snapshot(let device): purpose = .snapshot(device)
        default: purpose = .plain
        }
        do {
            let answer = try await send(CSTAEventMapping.request(command), purpose: purpose)
            return CSTAEventMapping.reply(answer, to: command)
        } catch {
            if case .notConnected = error { throw .notConnected(command.device) }
            throw error.switchError
        }
    }

    /// Sends a request and waits for its answer; a CSTAErrorCode answer throws `.rejected`.
    public func send(_ request: CSTARequest) async throws(CSTALinkError) -> CSTAMessage {
        try await send(request, purpose: .plain)
    }

    private func send(_ request: CSTARequest, purpose: Purpose) async throws(CSTALinkError) -> CSTAMessage {
        let deadline = ContinuousClock.now + configuration.requestTimeout
        let reserved: Result<(NIOAsyncChannelOutboundWriter<CSTAFrame>, Int), CSTALinkError> = state.withLock { state in
            guard let writer = state.writer else { return .failure(.notConnected) }
            for _ in InvokeIDAllocator.range {
                let id = state.allocator.next()
                if state.slots[id] == nil {
                    state.slots[id] = .waiting(purpose, deadline)
                    return .success((writer, id))
                }
            }
            return .failure(.tooManyPendingRequests)
        }
        let (writer, invokeID) = try reserved.get()
        do {
            try await writer.write(CSTAFrame(invokeID: invokeID, xml: request.xml(edition: configuration.edition)))
        } catch {
            _ = state.withLock { $0.slots.removeValue(forKey: invokeID) }
            throw .notConnected
        }
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let early: Result<CSTAMessage, CSTALinkError>? = state.withLock { state in
                    switch state.slots[invokeID] {
                    case .waiting(let purpose, let deadline):
                        state.slots[invokeID] = .attached(purpose, deadline, continuation)
                        return nil
                    case .arrived(let result):
                        state.slots[invokeID] = nil
                        return result
                    case .attached, nil:
                        return .failure(.notConnected)
                    }
                }
                if let early { continuation.resume(with: early.mapError { $0 as any Error }) }
            }
        } catch let error as CSTALinkError {
            throw error
        } catch {
            throw .notConnected
        }
    }

    /// Completes the request `invokeID` (from the reader, the timeout sweep, or a link failure).
    private func complete(_ invokeID: Int, with result: Result<CSTAMessage, CSTALinkError>) {
        let continuation: CheckedContinuation<CSTAMessage, any Error>? = state.withLock { state in
            switch state.slots[invokeID] {
            case .waiting:
                state.slots[invokeID] = .arrived(result)
                return nil
            case .attached(_, _, let continuation):
                state.slots[invokeID] = nil
                return continuation
            case .arrived, nil:
                return nil
            }
        }
        continuation?.resume(with: result.mapError { $0 as any Error })
    }

    // MARK: - One connected session

    private func session() async throws {
        let config = configuration
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(
                .nanoseconds(
                    Int64(config.connectTimeout.components.seconds) * 1_000_000_000 + config.connectTimeout.components.attoseconds / 1_000_000_000
                )
            )
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: config.host, port: config.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let stall = TimeAmount.nanoseconds(
                        config.frameStallTimeout.components.seconds * 1_000_000_000 + config.frameStallTimeout.components.attoseconds / 1_000_000_000
                    )
                    // Only time the socket is being read counts towards a stall (back-pressure is not the PBX's).
                    let demand = CSTAReadDemand()
                    try channel.pipeline.syncOperations.addHandler(CSTAReadDemandHandler(demand: demand))
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(CSTAFrameDecoder(stallTimeout: stall, demand: demand)))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(CSTAFrameEncoder()))
                    return try NIOAsyncChannel<CSTAFrame, CSTAFrame>(wrappingChannelSynchronously: channel)
                }
            }
        logger.info("PBX link connected", metadata: ["host": "\(config.host)", "port": "\(config.port)"])
        try await channel.executeThenClose { inbound, outbound in
            state.withLock { $0.writer = outbound }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.read(inbound, outbound) }
                group.addTask { try await self.sweepTimeouts() }
                group.addTask { try await self.remonitor() }
                group.addTask {
                    try await self.setUp()
                    try await self.keepAlive()
                }
                defer { group.cancelAll() }
                // Whichever task ends first ends the session; requests still waiting must not wait for the others.
                do {
                    _ = try await group.next()
                } catch {
                    self.abandonRequests()
                    throw error
                }
                self.abandonRequests()
            }
        }
    }

    /// Stops accepting requests on this session and fails those waiting for an answer.
    private func abandonRequests() {
        let waiting: [Int] = state.withLock { state in
            state.writer = nil
            return Array(state.slots.keys)
        }
        for id in waiting { complete(id, with: .failure(.notConnected)) }
    }

    private func setUp() async throws {
        if let session = configuration.applicationSession {
            let answer = try await send(
                .startApplicationSession(
                    applicationID: session.applicationID,
                    userName: session.userName,
                    password: session.password,
                    protocolVersion: configuration.edition,
                    sessionDurationSeconds: session.durationSeconds
                )
            )
            if case .applicationSessionStarted(let id) = answer {
                logger.info("PBX application session started", metadata: ["session": "\(id)"])
            }
        }
        state.withLock { $0.connectedSince = Date() }
        await onEvent(.link(linkId: configuration.linkId, connected: true, reason: nil))
        await monitorMissing()
    }

    /// MonitorStart (then SnapshotDevice) for every wanted device not monitored yet, a bounded number at a time.
    private func monitorMissing() async {
        let devices: [String] = state.withLock { state in
            let missing = state.wanted.filter { state.monitors[$0] == nil && !state.starting.contains($0) && state.refused[$0] == nil }
            state.starting.formUnion(missing)
            return missing
        }
        guard !devices.isEmpty else { return }
        await withTaskGroup(of: Void.self) { group in
            var iterator = devices.makeIterator()
            for _ in 0..<configuration.monitorConcurrency {
                guard let device = iterator.next() else { break }
                group.addTask { await self.monitor(device) }
            }
            while await group.next() != nil {
                if let device = iterator.next() { group.addTask { await self.monitor(device) } }
            }
        }
    }

    private func monitor(_ device: String) async {
        defer { _ = state.withLock { $0.starting.remove(device) } }
        do {
            _ = try await send(.monitorStart(device: device), purpose: .monitor(device))
            _ = try await send(.snapshotDevice(device: device), purpose: .snapshot(device))
        } catch .rejected(let error) {
            state.withLock { $0.refused[device] = error.description }
            logger.warning("PBX refused to monitor a device", metadata: ["device": "\(device)", "error": "\(error)"])
            return
        } catch {
            // Unanswered (a PBX that lost the request, or was busy): tried again once the PBX shows it is there.
            // A lost connection needs nothing: the next session monitors every device.
            if case .timeout = error { state.withLock { $0.monitorsUnanswered = true } }
            logger.debug("monitoring interrupted", metadata: ["device": "\(device)", "error": "\(error)"])
            return
        }
        // A lamp lit before monitoring started sends no event: ask once. A PBX without the service refuses it, and
        // the lamp is then known from its next MessageWaitingEvent on.
        do {
            _ = try await send(.getMessageWaitingIndicator(device: device), purpose: .messageWaiting(device))
        } catch {
            logger.debug("message-waiting indicator not read", metadata: ["device": "\(device)", "error": "\(error)"])
        }
    }

    /// Sends SystemStatus every `keepAliveInterval`, and at once when a request timed out (a PBX that answers nothing
    /// more must not keep the link "connected" until the next interval). An unanswered keep-alive ends the session.
    private func keepAlive() async throws {
        var last = ContinuousClock.now
        while true {
            try await Task.sleep(for: .milliseconds(100))
            let probe = state.withLock { state in
                defer { state.probeRequested = false }
                return state.probeRequested
            }
            guard probe || ContinuousClock.now - last >= configuration.keepAliveInterval else { continue }
            last = .now
            let result: Result<CSTAMessage, CSTALinkError>
            do {
                result = .success(try await send(.systemStatus(.normal), purpose: .keepAlive))
            } catch {
                result = .failure(error)
            }
            switch result {
            case .success, .failure(.rejected):
                // An answer, even a negative one, proves the PBX is there.
                state.withLock { state in
                    if state.monitorsUnanswered {
                        state.monitorsUnanswered = false
                        state.remonitorRequested = true
                    }
                }
            case .failure(.timeout):
                throw KeepAliveUnanswered(afterRequestTimeout: probe)
            case .failure(let error):
                throw error
            }
        }
    }

    /// Starts the monitors that went unanswered again, once a keep-alive has shown the PBX there (at once after the
    /// probe a timeout triggers); a device the PBX keeps ignoring is tried at growing intervals, up to a minute.
    private func remonitor() async throws {
        var pause: Duration = .seconds(1)
        while true {
            try await Task.sleep(for: .milliseconds(100))
            let requested = state.withLock { state in
                defer { state.remonitorRequested = false }
                return state.remonitorRequested
            }
            guard requested else { continue }
            await monitorMissing()
            if state.withLock({ $0.monitorsUnanswered }) {
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(60))
            } else {
                pause = .seconds(1)
            }
        }
    }

    /// The PBX left a keep-alive unanswered: the link is closed with this reason and reconnects.
    private struct KeepAliveUnanswered: Error, CustomStringConvertible {
        let afterRequestTimeout: Bool

        var description: String {
            afterRequestTimeout ? "the PBX answered neither a request nor the keep-alive check that followed" : "the PBX left a keep-alive unanswered"
        }
    }

    private func sweepTimeouts() async throws {
        while true {
            try await Task.sleep(for: .milliseconds(100))
            let now = ContinuousClock.now
            let expired: [Int] = state.withLock { state in
                var expired: [Int] = []
                var probe = false
                for (id, slot) in state.slots {
                    switch slot {
                    case .waiting(let purpose, let deadline), .attached(let purpose, let deadline, _):
                        guard deadline < now else { continue }
                        expired.append(id)
                        // A request the PBX did not answer: check at once whether the PBX is still there.
                        if !purpose.isKeepAlive { probe = true }
                    case .arrived:
                        continue
                    }
                }
                if probe { state.probeRequested = true }
                return expired
            }
            for id in expired { complete(id, with: .failure(.timeout)) }
        }
    }

    private func read(_ inbound: NIOAsyncChannelInboundStream<CSTAFrame>, _ outbound: NIOAsyncChannelOutboundWriter<CSTAFrame>) async throws {
        for try await frame in inbound {
            let message: CSTAMessage
            let namespace: String?
            do {
                let root = try CSTACodec.root(of: frame)
                namespace = root.namespace
                message = try CSTACodec.message(from: root)
            } catch {
                if case .invalidXML = error {
                    // The PBX and we no longer agree on the stream: start afresh.
                    logger.error("PBX sent a frame that is not XML; closing the link", metadata: ["error": "\(error)"])
                    throw error
                }
                logger.warning("ignoring a malformed PBX message", metadata: ["error": "\(error)"])
                continue
            }
            if case .systemStatus = message {
                // The PBX's keep-alive, with or without a <systemStatus> child, under whatever invoke id it chose: answered
                // in the namespace it came in, or a switch that writes another edition (or none) drops the link.
                try await outbound.write(CSTAFrame(invokeID: frame.invokeID, xml: CSTAResponse.systemStatus.xml(namespace: namespace)))
                continue
            }
            if frame.invokeID == CSTAFrame.unsolicitedInvokeID {
                await deliver(message)
                continue
            }
            switch message {
            case .error(let error):
                complete(frame.invokeID, with: .failure(.rejected(error)))
            default:
                await answered(frame.invokeID, message)
            }
        }
    }

    /// A response: monitors and snapshots take effect here, in stream order, before any later event is applied.
    private func answered(_ invokeID: Int, _ message: CSTAMessage) async {
        let purpose: Purpose? = state.withLock { state in
            switch state.slots[invokeID] {
            case .waiting(let purpose, _), .attached(let purpose, _, _): purpose
            default: nil
            }
        }
        switch (purpose, message) {
        case (.monitor(let device), .monitorStartResponse(let crossRef)):
            state.withLock { state in
                state.monitors[device] = crossRef
                state.devicesByCrossRef[crossRef] = device
                state.refused[device] = nil
            }
            await onEvent(.monitored(device: device, true))
        case (.snapshot(let device), .snapshotDeviceResponse(let calls)):
            await onEvent(.snapshot(device: device, calls: CSTAEventMapping.snapshotEntries(calls)))
        case (.messageWaiting(let device), .getMessageWaitingIndicatorResponse(let waiting)):
            await onEvent(.messageWaiting(device: device, waiting: waiting, reported: false))
        case (.makeCall(let device, let number), .makeCallResponse(let calling)):
            await onEvent(.placed(CSTAEventMapping.placedCall(calling, .makeCall(device: device, number: number)), number: number))
        default:
            break
        }
        complete(invokeID, with: .success(message))
    }

    private func deliver(_ message: CSTAMessage) async {
        guard let crossRef = message.monitorCrossRefID else { return }
        let device: String? = state.withLock { state in
            state.eventsReceived += 1
            return state.devicesByCrossRef[crossRef]
        }
        guard let device, let event = CSTAEventMapping.event(message, device: device) else { return }
        await onEvent(event)
    }

    /// Forgets the session; returns whether it had been set up.
    @discardableResult
    private func linkDown(reason: String) async -> Bool {
        let (waiting, lost, wasUp): ([Int], [String], Bool) = state.withLock { state in
            let waiting = Array(state.slots.keys)
            let lost = Array(state.monitors.keys)
            let wasUp = state.connectedSince != nil
            state.writer = nil
            state.monitors = [:]
            state.devicesByCrossRef = [:]
            state.starting = []
            state.refused = [:]
            state.connectedSince = nil
            state.lastError = reason
            state.reconnects += 1
            return (waiting, lost, wasUp)
        }
        for id in waiting { complete(id, with: .failure(.notConnected)) }
        // Abandoned answers that nobody will collect.
        state.withLock { state in state.slots = state.slots.filter { if case .arrived = $0.value { false } else { true } } }
        for device in lost { await onEvent(.monitored(device: device, false)) }
        if wasUp { await onEvent(.link(linkId: configuration.linkId, connected: false, reason: reason)) }
        return wasUp
    }
}

import NIOCore
import NIOPosix
import Synchronization
import Telephony
import Testing

/// The error `SimRecorder.wait` throws when the awaited items do not arrive in time.
struct SimTimeout: Error, CustomStringConvertible {
    let description: String
}

/// Collects what a link receives and lets a test await it with a timeout (continuations, no polling, no sleep).
final class SimRecorder<Element: Sendable>: Sendable {
    private struct Waiter {
        let id: Int
        let condition: @Sendable ([Element]) -> Bool
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var items: [Element] = []
        var waiters: [Waiter] = []
        var cancelled: Set<Int> = []
        var nextID = 0
        var finished = false
    }

    private let state = Mutex(State())

    /// Everything recorded so far, in order.
    var items: [Element] {
        state.withLock { $0.items }
    }

    /// Records one item and wakes the waiters it satisfies.
    func record(_ item: Element) {
        let ready = state.withLock { state in
            state.items.append(item)
            let items = state.items
            let ready = state.waiters.filter { $0.condition(items) }
            state.waiters.removeAll { waiter in ready.contains { $0.id == waiter.id } }
            return ready
        }
        for waiter in ready {
            waiter.continuation.resume()
        }
    }

    /// Waits until `condition` holds for the items recorded so far, then returns them.
    @discardableResult
    func wait(
        timeout: Duration = .seconds(30),
        _ what: String = "the expected items",
        until condition: @escaping @Sendable ([Element]) -> Bool
    ) async throws -> [Element] {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await self.suspend(id: id, condition: condition)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw SimTimeout(description: "timed out waiting for \(what)")
            }
            try await group.next()
            group.cancelAll()
        }
        return items
    }

    /// Suspends until `condition` holds; cancellation resumes with `CancellationError`.
    private func suspend(id: Int, condition: @escaping @Sendable ([Element]) -> Bool) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if state.cancelled.contains(id) {
                        return .failure(CancellationError())
                    }
                    if condition(state.items) {
                        return .success(())
                    }
                    state.waiters.append(Waiter(id: id, condition: condition, continuation: continuation))
                    return nil
                }
                if let outcome {
                    continuation.resume(with: outcome)
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                    return state.waiters.remove(at: index)
                }
                state.cancelled.insert(id)
                return nil
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }
}

/// A link opened directly on a `PBXSwitch` (no socket), recording what the switch sends on it.
struct SimLink {
    let pbx: PBXSwitch
    let session: PBXSessionID
    let recorder: SimRecorder<SimulatorOutput>

    /// Opens a link on `pbx`.
    static func open(on pbx: PBXSwitch) async -> SimLink {
        let recorder = SimRecorder<SimulatorOutput>()
        let session = await pbx.openSession { recorder.record($0) }
        return SimLink(pbx: pbx, session: session, recorder: recorder)
    }

    /// Sends a request under the next invoke id and returns the response.
    @discardableResult
    func send(_ request: CSTARequest, invokeID: Int = 1) async -> CSTAMessage {
        await pbx.handle(request, invokeID: invokeID, session: session)
    }

    /// Starts a monitor on each device and returns the cross-reference ids by device.
    func monitor(_ devices: String...) async throws -> [String: String] {
        var ids: [String: String] = [:]
        for device in devices {
            let response = await send(.monitorStart(device: device))
            guard case .monitorStartResponse(let id) = response else {
                throw SimTimeout(description: "MonitorStart \(device) answered \(response)")
            }
            ids[device] = id
        }
        return ids
    }

    /// Every message received, in order.
    var messages: [CSTAMessage] {
        recorder.items.compactMap(\.message)
    }

    /// The events reported on monitor `crossRefID`, as trace lines.
    func trace(_ crossRefID: String?) -> [String] {
        messages.filter { $0.monitorCrossRefID == crossRefID && crossRefID != nil }.map(\.trace)
    }
}

extension CSTAMessage {
    /// A compact line for sequence assertions: `Delivered 1@1002 alerting newCall` (event, subject connection, the
    /// monitored device's own state, cause), `Forwarding 1002 forwardImmediate on 1003`, `DoNotDisturb 1002 on`.
    var trace: String {
        switch self {
        case .forwarding(let event):
            let type = event.forwardingType?.cstaValue ?? "-"
            return "Forwarding \(event.device) \(type) \(event.forwardStatus ? "on" : "off") \(event.forwardTo ?? "-")"
        case .doNotDisturb(let event):
            return "DoNotDisturb \(event.device) \(event.doNotDisturbOn ? "on" : "off")"
        default:
            guard let event = callEvent else {
                return "\(self)"
            }
            return "\(eventName) \(event.connection) \(event.localConnectionInfo?.cstaValue ?? "-") \(event.cause ?? "-")"
        }
    }

    /// The event's name without the `Event` suffix.
    private var eventName: String {
        switch self {
        case .serviceInitiated: "ServiceInitiated"
        case .originated: "Originated"
        case .delivered: "Delivered"
        case .established: "Established"
        case .connectionCleared: "ConnectionCleared"
        case .held: "Held"
        case .retrieved: "Retrieved"
        case .transferred: "Transfered"
        case .diverted: "Diverted"
        case .failed: "Failed"
        case .queued: "Queued"
        default: "\(self)"
        }
    }
}

/// What a raw test client receives: a decoded frame, a frame the CSTA codec refused, or the end of the stream.
enum SimClientInput: Sendable {
    case message(invokeID: Int, CSTAMessage)
    case undecodable(CSTAProtocolError)
    case closed(String?)

    var message: CSTAMessage? {
        if case .message(_, let message) = self {
            return message
        }
        return nil
    }

    /// The message when it is the response to the gateway's request `invokeID`: not an event, and not a request from
    /// the PBX (whose own invoke ids, for the SystemStatus keep-alive, overlap the gateway's).
    func response(to invokeID: Int) -> CSTAMessage? {
        guard case .message(invokeID, let message) = self, message.monitorCrossRefID == nil else {
            return nil
        }
        if case .systemStatus = message {
            return nil
        }
        return message
    }
}

/// A tiny gateway-side client for socket tests: ClientBootstrap + CSTAFrameDecoder/Encoder, every inbound frame decoded
/// with the gateway's `CSTACodec` into a recorder.
struct SimClient {
    let outgoing: AsyncStream<CSTAFrame>.Continuation
    let inbox: SimRecorder<SimClientInput>
    let task: Task<Void, Never>

    /// Connects to the simulator on `port`.
    static func connect(port: Int) async throws -> SimClient {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(CSTAFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(CSTAFrameEncoder()))
                    return try NIOAsyncChannel<CSTAFrame, CSTAFrame>(wrappingChannelSynchronously: channel)
                }
            }
        let inbox = SimRecorder<SimClientInput>()
        let (frames, outgoing) = AsyncStream.makeStream(of: CSTAFrame.self)
        let task = Task {
            do {
                try await channel.executeThenClose { inbound, outbound in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await frame in frames {
                                try await outbound.write(frame)
                            }
                        }
                        group.addTask {
                            for try await frame in inbound {
                                inbox.record(Self.decode(frame))
                            }
                            inbox.record(.closed(nil))
                        }
                        try await group.next()
                        group.cancelAll()
                    }
                }
            } catch {
                inbox.record(.closed("\(error)"))
            }
        }
        return SimClient(outgoing: outgoing, inbox: inbox, task: task)
    }

    /// A frame as the gateway's codec reads it.
    private static func decode(_ frame: CSTAFrame) -> SimClientInput {
        do {
            let decoded = try CSTACodec.decode(frame)
            return .message(invokeID: decoded.invokeID, decoded.message)
        } catch {
            return .undecodable(error)
        }
    }

    /// Sends a request under `invokeID`.
    func send(_ request: CSTARequest, invokeID: Int) {
        outgoing.yield(CSTAFrame(invokeID: invokeID, request: request))
    }

    /// Sends a frame as it is.
    func send(_ frame: CSTAFrame) {
        outgoing.yield(frame)
    }

    /// Sends a request and waits for the response with the same invoke id.
    func request(_ request: CSTARequest, invokeID: Int) async throws -> CSTAMessage {
        send(request, invokeID: invokeID)
        let inputs = try await inbox.wait("the response to \(request.operationName) #\(invokeID)") { inputs in
            inputs.contains { $0.response(to: invokeID) != nil }
        }
        guard let response = inputs.lazy.compactMap({ $0.response(to: invokeID) }).first else {
            throw SimTimeout(description: "no response #\(invokeID)")
        }
        return response
    }

    /// The events received on monitor `crossRefID`, as trace lines.
    func trace(_ crossRefID: String?) -> [String] {
        inbox.items.compactMap(\.message).filter { $0.monitorCrossRefID == crossRefID && crossRefID != nil }.map(\.trace)
    }

    /// Waits until monitor `crossRefID` has received `count` events; returns them as trace lines.
    @discardableResult
    func waitForEvents(_ crossRefID: String?, count: Int) async throws -> [String] {
        try await inbox.wait("\(count) events on monitor \(crossRefID ?? "-")") { inputs in
            inputs.compactMap(\.message).filter { $0.monitorCrossRefID == crossRefID && crossRefID != nil }.count >= count
        }
        return trace(crossRefID)
    }

    /// Waits until the stream ended; returns the error it ended with, if any.
    func waitForClose() async throws -> String? {
        let inputs = try await inbox.wait("the connection to close") { inputs in
            inputs.contains { if case .closed = $0 { true } else { false } }
        }
        for case .closed(let reason) in inputs {
            return reason
        }
        return nil
    }

    /// Closes the connection and waits until it is closed.
    func close() async {
        outgoing.finish()
        await task.value
    }
}

/// Starts a simulator on a free port for one test and stops it afterwards.
func withSimulator<Result: Sendable>(
    _ configuration: PBXSimulator.Configuration = PBXSimulator.Configuration(keepAliveInterval: nil),
    _ body: (PBXSimulator, Int) async throws -> Result
) async throws -> Result {
    let simulator = PBXSimulator(configuration: configuration)
    return try await simulator.running { port in try await body(simulator, port) }
}

extension CSTAMessage {
    /// The message with every device identifier and connection device reduced to its number (`N<1001>;noa=nk` is
    /// `1001`), so that what the two styles write can be compared.
    var byNumbers: CSTAMessage {
        switch self {
        case .makeCallResponse(let connection): .makeCallResponse(callingDevice: connection.byNumber)
        case .consultationCallResponse(let connection): .consultationCallResponse(initiatedCall: connection.byNumber)
        case .snapshotDeviceResponse(let calls):
            .snapshotDeviceResponse(calls.map { CSTASnapshotCall(connection: $0.connection.byNumber, localCallState: $0.localCallState) })
        case .getForwardingResponse(let settings):
            .getForwardingResponse(
                settings.map {
                    CSTAForwardingSetting(forwardingType: $0.forwardingType, forwardStatus: $0.forwardStatus, forwardDN: $0.forwardDN?.byNumber)
                }
            )
        case .serviceInitiated(let event): .serviceInitiated(event.byNumbers)
        case .originated(let event): .originated(event.byNumbers)
        case .delivered(let event): .delivered(event.byNumbers)
        case .established(let event): .established(event.byNumbers)
        case .connectionCleared(let event): .connectionCleared(event.byNumbers)
        case .held(let event): .held(event.byNumbers)
        case .retrieved(let event): .retrieved(event.byNumbers)
        case .transferred(let event): .transferred(event.byNumbers)
        case .diverted(let event): .diverted(event.byNumbers)
        case .failed(let event): .failed(event.byNumbers)
        case .queued(let event): .queued(event.byNumbers)
        case .forwarding(let event):
            .forwarding(
                CSTAForwardingEvent(
                    monitorCrossRefID: event.monitorCrossRefID,
                    device: event.device.byNumber,
                    forwardingType: event.forwardingType,
                    forwardStatus: event.forwardStatus,
                    forwardTo: event.forwardTo?.byNumber
                )
            )
        case .doNotDisturb(let event):
            .doNotDisturb(
                CSTADoNotDisturbEvent(monitorCrossRefID: event.monitorCrossRefID, device: event.device.byNumber, doNotDisturbOn: event.doNotDisturbOn)
            )
        case .messageWaiting(let event):
            .messageWaiting(
                CSTAMessageWaitingEvent(
                    monitorCrossRefID: event.monitorCrossRefID,
                    device: event.device.byNumber,
                    deviceForMessage: event.deviceForMessage?.byNumber,
                    messageWaitingOn: event.messageWaitingOn
                )
            )
        default: self
        }
    }
}

extension CSTACallEvent {
    /// The event with every device reduced to its number.
    var byNumbers: CSTACallEvent {
        var event = self
        event.connection = connection.byNumber
        event.initiatingDevice = initiatingDevice?.byNumber
        event.callingDevice = callingDevice?.byNumber
        event.calledDevice = calledDevice?.byNumber
        event.alertingDevice = alertingDevice?.byNumber
        event.answeringDevice = answeringDevice?.byNumber
        event.releasingDevice = releasingDevice?.byNumber
        event.holdingDevice = holdingDevice?.byNumber
        event.retrievingDevice = retrievingDevice?.byNumber
        event.transferringDevice = transferringDevice?.byNumber
        event.transferredToDevice = transferredToDevice?.byNumber
        event.divertingDevice = divertingDevice?.byNumber
        event.newDestination = newDestination?.byNumber
        event.failingDevice = failingDevice?.byNumber
        event.queue = queue?.byNumber
        event.lastRedirectionDevice = lastRedirectionDevice?.byNumber
        event.secondaryOldCall = secondaryOldCall?.byNumber
        event.transferredConnections = transferredConnections.map {
            CSTAConnectionListItem(
                newConnection: $0.newConnection?.byNumber,
                oldConnection: $0.oldConnection?.byNumber,
                endpoint: $0.endpoint?.byNumber
            )
        }
        return event
    }
}

extension CSTADeviceID {
    /// The identifier of the number alone.
    var byNumber: CSTADeviceID {
        CSTADeviceID(parsing: number)
    }
}

extension ConnectionID {
    /// The connection with its device reduced to its number.
    var byNumber: ConnectionID {
        ConnectionID(callID: callID, deviceID: device.number)
    }
}

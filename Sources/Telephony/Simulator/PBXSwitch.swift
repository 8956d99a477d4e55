import Foundation

/// The simulated switch: devices, calls and their connections, monitors, and the CSTA events a real PBX would send.
///
/// One actor owns the whole model, so every request and every PBX-side action (a phone answering, a timer expiring) is
/// applied atomically and its events come out in a single, deterministic order. Links (gateway connections) are
/// sessions: `openSession(output:)` registers a sink that receives, in order, the responses to that link's requests, the
/// events of that link's monitors and the switch's own keep-alives. `PBXSimulator` puts a TCP server in front; tests
/// can drive the switch directly and read the sink.
///
/// Events follow ECMA-269 device monitoring: an event about a call goes to every monitored device that has a connection
/// in that call (and to a device leaving it), one copy per monitor, each with that monitor's cross-reference id and the
/// receiving device's own connection state as `localConnectionInfo`.
public actor PBXSwitch {
    /// How the switch behaves.
    public struct Configuration: Sendable {
        /// Which numbers are extensions, queues and trunk numbers.
        public var numbering: SimulatorNumbering
        /// How long a device with no-answer forwarding rings before the call is forwarded.
        public var noAnswerTimeout: Duration
        /// When set, an external (trunk) destination answers after this long; when nil it rings until `answer(device:)`.
        public var externalAnswerDelay: Duration?
        /// External numbers that are busy: calls to them fail with cause `busy`.
        public var busyExternalNumbers: Set<String>
        /// Extensions that answer by themselves this long after they start ringing (the demo's call-back agents); the
        /// others ring until `answer(device:)`.
        public var answerDelays: [String: Duration] = [:]
        /// When true a device in a call can still be called (the new call alerts); when false it is busy.
        public var callWaiting: Bool
        /// When true every request before ECMA-354 StartApplicationSession is refused with a CSTAErrorCode.
        public var requiresApplicationSession: Bool
        /// When set, a link that leaves this many keep-alives in a row unanswered is dropped by `sendKeepAlive()`.
        public var maximumMissedKeepAlives: Int?
        /// The longest chain of forwards and deflections a call follows before it fails (forwarding loops).
        public var maximumRedirections: Int
        /// Requests (by root name, e.g. `GetMessageWaitingIndicator`) refused with `requestIncompatibleWithObject`, as a
        /// switch without that service answers them.
        public var unsupportedRequests: Set<String> = []
        /// How the switch behaves where real switches differ from the simulator's plain model: in the `real` style a
        /// party left alone in a call hears only about the leaver, the keep-alive is an empty ed3 SystemStatus that
        /// counts only when answered in its own namespace, and vendor events follow some call events (`SimulatorStyle`).
        public var style: SimulatorStyle

        /// Creates a configuration; the defaults are a 1000–9999 plan, a 15 s no-answer timeout, ringing trunk parties,
        /// no call waiting, no application session and the plain style.
        public init(
            numbering: SimulatorNumbering = SimulatorNumbering(),
            noAnswerTimeout: Duration = .seconds(15),
            externalAnswerDelay: Duration? = nil,
            busyExternalNumbers: Set<String> = [],
            callWaiting: Bool = false,
            requiresApplicationSession: Bool = false,
            maximumMissedKeepAlives: Int? = nil,
            maximumRedirections: Int = 5,
            style: SimulatorStyle = .plain
        ) {
            self.numbering = numbering
            self.noAnswerTimeout = noAnswerTimeout
            self.externalAnswerDelay = externalAnswerDelay
            self.busyExternalNumbers = busyExternalNumbers
            self.callWaiting = callWaiting
            self.requiresApplicationSession = requiresApplicationSession
            self.maximumMissedKeepAlives = maximumMissedKeepAlives
            self.maximumRedirections = maximumRedirections
            self.style = style
        }
    }

    /// The error the `waitFor` methods throw when the awaited condition is not reached in time.
    public struct WaitTimeout: Error, Sendable, Hashable, CustomStringConvertible {
        /// What was awaited, e.g. `1002 in state alerting`.
        public var condition: String

        /// `timed out waiting for 1002 in state alerting`.
        public var description: String {
            "timed out waiting for \(condition)"
        }
    }

    // MARK: Model

    /// One open link.
    struct Session {
        /// Where this link's output goes.
        let output: @Sendable (SimulatorOutput) -> Void
        /// The ECMA-354 session id, once StartApplicationSession succeeded.
        var applicationSessionID: String?
        /// Invoke ids for the switch's own requests (keep-alives).
        var invokeIDs = InvokeIDAllocator()
        /// Keep-alives sent since the last answer.
        var keepAlivesOutstanding = 0
        /// Keep-alives answered since the link opened.
        var keepAlivesAnswered = 0
        /// The namespace the last keep-alive was written in, when the style wants its answer in that namespace.
        var keepAliveNamespace: String?
    }

    /// One MonitorStart.
    struct Monitor {
        let crossRefID: String
        let device: String
        let session: PBXSessionID
    }

    /// One device's connection to a call.
    struct Party {
        var device: String
        var state: CSTAConnectionState
    }

    /// One call.
    struct Call {
        let id: String
        /// Creation order, for listings.
        let sequence: Int
        var callingDevice: String?
        var calledDevice: String?
        var lastRedirectionDevice: String?
        var parties: [Party]
        /// The hunt group distributing the call, while it is queued there.
        var queue: String?
        /// Agents that refused the call: the queue does not ring them again.
        var declinedAgents: Set<String> = []
        var wasAnswered = false
        /// Whose mailbox the voicemail system opened in this call, and whether a message is being left (a diverted
        /// caller) or heard (the owner calling the voicemail number).
        var voicemailVisit: VoicemailVisit?

        /// `device`'s connection state, nil when it is not in the call.
        func state(of device: String) -> CSTAConnectionState? {
            parties.first { $0.device == device }?.state
        }

        /// Sets `device`'s state, adding the device at the end when it is not in the call yet.
        mutating func set(_ device: String, _ state: CSTAConnectionState) {
            if let index = parties.firstIndex(where: { $0.device == device }) {
                parties[index].state = state
            } else {
                parties.append(Party(device: device, state: state))
            }
        }

        /// Removes `device` from the call.
        mutating func remove(_ device: String) {
            parties.removeAll { $0.device == device }
        }

        /// `device`'s connection in this call.
        func connection(_ device: String) -> ConnectionID {
            ConnectionID(callID: id, deviceID: device)
        }
    }

    /// A call's visit to the voicemail system.
    struct VoicemailVisit {
        var mailbox: String
        var deposit: Bool
    }

    /// A device's settings.
    struct DeviceSettings {
        var doNotDisturb = false
        /// Voicemail messages not heard yet: the message-waiting indicator is on while there are any.
        var messages = 0
        /// Forwarding per type: destination and whether it is on (the destination is kept when switched off).
        var forwards: [ForwardKind: (destination: String?, active: Bool)] = [:]

        /// The destination of `kind` forwarding when it is on.
        func activeForward(_ kind: ForwardKind) -> String? {
            guard let forward = forwards[kind], forward.active else {
                return nil
            }
            return forward.destination
        }
    }

    /// The forwarding types the switch implements.
    enum ForwardKind: CaseIterable {
        case immediate, busy, noAnswer

        var cstaType: CSTAForwardingType {
            switch self {
            case .immediate: .immediate
            case .busy: .busy
            case .noAnswer: .noAnswer
            }
        }

        init?(_ type: CSTAForwardingType) {
            switch type {
            case .immediate: self = .immediate
            case .busy: self = .busy
            case .noAnswer: self = .noAnswer
            case .other: return nil
            }
        }
    }

    /// What a pending timer does when it fires.
    enum TimerKind: Hashable {
        /// Forward the still-alerting device's call to its no-answer destination.
        case noAnswer
        /// The still-alerting trunk party answers.
        case externalAnswer
    }

    /// A pending timer: one per kind per connection.
    struct TimerKey: Hashable {
        let callID: String
        let device: String
        let kind: TimerKind
    }

    /// What a waiting task waits for.
    enum Condition: CustomStringConvertible {
        /// A device has a connection in a state (for `.null`: no connection).
        case connectionState(device: String, state: CSTAConnectionState)
        /// Exactly this many links are open.
        case sessionCount(Int)
        /// The counters satisfy a predicate.
        case counters(@Sendable (SimulatorCounters) -> Bool)

        var description: String {
            switch self {
            case .connectionState(let device, let state): "\(device) in state \(state)"
            case .sessionCount(let count): "\(count) open links"
            case .counters: "the counters to reach the expected values"
            }
        }
    }

    /// A task waiting for a condition.
    struct Waiter {
        let condition: Condition
        let continuation: CheckedContinuation<Void, any Error>
        let timeout: Task<Void, Never>
    }

    /// The configuration the switch was created with.
    public nonisolated let configuration: Configuration

    var sessions: [PBXSessionID: Session] = [:]
    var nextSessionNumber = 1
    var monitors: [String: Monitor] = [:]
    /// Cross-reference ids per device, in creation order.
    var monitorsByDevice: [String: [String]] = [:]
    var nextMonitorNumber = 1
    var callTable: [String: Call] = [:]
    var nextCallNumber = 1
    var devices: [String: DeviceSettings] = [:]
    /// Devices made busy by `setBusy(_:_:)`.
    var busyDevices: Set<String> = []
    var timers: [TimerKey: Task<Void, Never>] = [:]
    var waiters: [Int: Waiter] = [:]
    var nextWaiterNumber = 1
    /// Output produced by the operation in progress, delivered by `flush()` after the operation's response.
    var outbox: [(session: PBXSessionID, output: SimulatorOutput)] = []
    /// Call events of the outbox to record when they are flushed (`startTracing()`), by outbox position.
    private var outboxTrace: [(index: Int, device: String, callID: String, event: String)] = []
    /// Call events sent while tracing, not yet taken by `takeTrace()`; nil when not tracing.
    private var trace: [SimulatorTraceRecord]?
    var counters = SimulatorCounters()
    var applicationSessionNumber = 1
    /// False while the switch ignores what links send (fault mode: the gateway's requests time out).
    var answering = true
    /// True once `shutdown()` ran.
    var isShutDown = false

    /// Creates a switch with no call and no link.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    // MARK: Links

    /// Opens a link; `output` receives everything the switch sends on it, in order, synchronously from the actor.
    ///
    /// After `shutdown()` the link is closed at once (`output` receives `.close`).
    public func openSession(output: @escaping @Sendable (SimulatorOutput) -> Void) -> PBXSessionID {
        let id = PBXSessionID(rawValue: nextSessionNumber)
        nextSessionNumber += 1
        guard !isShutDown else {
            output(.close)
            return id
        }
        sessions[id] = Session(output: output)
        resumeWaiters()
        return id
    }

    /// Closes a link: its monitors stop, and its output receives `.close` (then nothing more). Unknown ids are ignored.
    public func closeSession(_ id: PBXSessionID) {
        guard let session = sessions.removeValue(forKey: id) else {
            return
        }
        for monitor in monitors.values where monitor.session == id {
            removeMonitor(monitor.crossRefID)
        }
        session.output(.close)
        resumeWaiters()
    }

    /// Closes every link (the PBX drops its CTI links).
    public func closeAllSessions() {
        for id in sessions.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            closeSession(id)
        }
    }

    /// The links currently open.
    public func sessionCount() -> Int {
        sessions.count
    }

    /// Sends `bytes` unframed on one link, or on every link when `session` is nil (fault injection).
    public func sendRaw(_ bytes: [UInt8], to session: PBXSessionID? = nil) {
        for (id, link) in sessions where session == nil || session == id {
            link.output(.raw(bytes))
        }
    }

    /// Sends the switch's SystemStatus keep-alive on every link, each under that link's next invoke id: `normal` in the
    /// plain style; in the real style an empty `<SystemStatus/>` in ECMA-323 ed3's namespace, as OpenScape sends it.
    ///
    /// With `maximumMissedKeepAlives` set, a link that has left that many keep-alives unanswered is closed instead.
    public func sendKeepAlive() {
        for id in sessions.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard var session = sessions[id] else {
                continue
            }
            if let limit = configuration.maximumMissedKeepAlives, session.keepAlivesOutstanding >= limit {
                closeSession(id)
                continue
            }
            let invokeID = session.invokeIDs.next()
            session.keepAlivesOutstanding += 1
            let keepAlive: CSTAMessage
            switch configuration.style {
            case .plain:
                keepAlive = .systemStatus(CSTASystemStatus.normal.rawValue)
            case .real:
                keepAlive = .systemStatus(nil)
                session.keepAliveNamespace = PBXCodec.keepAliveEdition.namespace
            }
            sessions[id] = session
            session.output(.message(invokeID: invokeID, keepAlive))
        }
    }

    /// When false, frames from links are ignored (no response, no effect, counted as `requestsIgnored`) so that the
    /// gateway's requests time out; PBX-side activity still produces events.
    public func setAnswering(_ answering: Bool) {
        self.answering = answering
    }

    /// How many keep-alives the gateways answered, over all open links.
    public func keepAlivesAnswered() -> Int {
        sessions.values.reduce(0) { $0 + $1.keepAlivesAnswered }
    }

    /// Stops every timer, fails every waiter and closes every link; links opened later are closed at once.
    public func shutdown() {
        isShutDown = true
        for timer in timers.values {
            timer.cancel()
        }
        timers = [:]
        for waiter in waiters.values {
            waiter.timeout.cancel()
            waiter.continuation.resume(throwing: CancellationError())
        }
        waiters = [:]
        closeAllSessions()
    }

    // MARK: Requests

    /// Decodes a frame from a link and serves it: requests are answered, keep-alive answers are counted, anything
    /// unreadable or unknown is refused with a CSTAErrorCode under the frame's invoke id.
    public func receive(_ frame: CSTAFrame, session: PBXSessionID) {
        defer { resumeWaiters() }
        guard answering else {
            counters.requestsIgnored += 1
            return
        }
        let inbound: PBXInbound
        let namespace: String?
        do {
            let root = try CSTACodec.root(of: frame)
            inbound = try PBXCodec.inbound(from: root)
            namespace = root.namespace
        } catch {
            counters.requestsHandled += 1
            reply(.error(PBXErrorCode.unreadableRequest), invokeID: frame.invokeID, session: session)
            return
        }
        receive(inbound, namespace: namespace, invokeID: frame.invokeID, session: session)
    }

    /// Serves one decoded message from a link, as if it had come without a namespace (see
    /// `receive(_:namespace:invokeID:session:)`).
    public func receive(_ inbound: PBXInbound, invokeID: Int, session: PBXSessionID) {
        receive(inbound, namespace: nil, invokeID: invokeID, session: session)
    }

    /// Serves one decoded message from a link whose root element was in `namespace` (nil: no namespace).
    ///
    /// A `SystemStatusResponse` answers the link's keep-alives: in the plain style whatever its namespace; in the real
    /// style only in the namespace the keep-alive was written in, as OpenScape matches its answer.
    public func receive(_ inbound: PBXInbound, namespace: String?, invokeID: Int, session: PBXSessionID) {
        switch inbound {
        case .request(let request):
            handle(request, invokeID: invokeID, session: session)
        case .response(let name):
            if name == "SystemStatusResponse", var link = sessions[session],
                configuration.style == .plain || (link.keepAliveNamespace != nil && link.keepAliveNamespace == namespace)
            {
                link.keepAlivesOutstanding = 0
                link.keepAlivesAnswered += 1
                sessions[session] = link
            }
        case .unknown:
            counters.requestsHandled += 1
            reply(.error(PBXErrorCode.unsupportedService), invokeID: invokeID, session: session)
        }
        resumeWaiters()
    }

    /// Serves one request from a link: the response goes to the link first, then the events the request caused.
    ///
    /// Returns the response, so tests can drive the switch without decoding the link's output.
    @discardableResult
    public func handle(_ request: CSTARequest, invokeID: Int, session: PBXSessionID) -> CSTAMessage {
        counters.requestsHandled += 1
        let response: CSTAMessage
        do {
            response = try perform(request, session: session)
        } catch {
            response = .error(error)
        }
        reply(response, invokeID: invokeID, session: session)
        flush()
        return response
    }

    /// Sends a response straight to `session` (ahead of any queued events).
    private func reply(_ response: CSTAMessage, invokeID: Int, session: PBXSessionID) {
        sessions[session]?.output(.message(invokeID: invokeID, response))
    }

    /// Applies one request and returns its positive response; a refusal throws the CSTA error to answer with.
    private func perform(_ request: CSTARequest, session: PBXSessionID) throws(CSTAError) -> CSTAMessage {
        if configuration.requiresApplicationSession, sessions[session]?.applicationSessionID == nil {
            guard case .startApplicationSession = request else {
                throw PBXErrorCode.noApplicationSession
            }
        }
        switch request {
        case .makeCall(let callingDevice, let calledDirectoryNumber):
            guard configuration.numbering.kind(of: callingDevice) == .extension else {
                throw PBXErrorCode.invalidCallingDevice
            }
            return .makeCallResponse(callingDevice: try originate(from: callingDevice, to: calledDirectoryNumber, cause: "makeCall"))
        case .answerCall(let connection):
            try answer(try locate(connection))
            return .positiveResponse("AnswerCallResponse")
        case .clearConnection(let connection):
            try clear(try locate(connection))
            return .positiveResponse("ClearConnectionResponse")
        case .holdCall(let connection):
            try hold(try locate(connection), cause: "normal")
            return .positiveResponse("HoldCallResponse")
        case .retrieveCall(let connection):
            try retrieve(try locate(connection))
            return .positiveResponse("RetrieveCallResponse")
        case .singleStepTransferCall(let activeCall, let transferredTo):
            try singleStepTransfer(try locate(activeCall), to: transferredTo)
            return .positiveResponse("SingleStepTransferCallResponse")
        case .consultationCall(let existingCall, let consultedDevice):
            return .consultationCallResponse(initiatedCall: try consult(try locate(existingCall), to: consultedDevice))
        case .transferCall(let heldCall, let activeCall):
            try transfer(held: try locate(heldCall), active: try locate(activeCall))
            return .positiveResponse("TransferCallResponse")
        case .deflectCall(let callToBeDiverted, let newDestination):
            let connection = try locate(callToBeDiverted)
            // Benchmarks measure the time from a call's DeliveredEvent to the gateway's deflection (rules run by the
            // server): the request is recorded when it arrives, refused or not.
            recordRequest("DeflectCall", connection)
            try deflect(connection, to: newDestination, cause: "redirected")
            return .positiveResponse("DeflectCallResponse")
        case .setForwarding(let device, let forwardingType, let forwardDN, let activate):
            try applyForwarding(device: device, type: forwardingType, destination: forwardDN, activate: activate)
            return .positiveResponse("SetForwardingResponse")
        case .getForwarding(let device):
            guard configuration.numbering.kind(of: device) == .extension else {
                throw PBXErrorCode.invalidDeviceID
            }
            return .getForwardingResponse(forwarding(of: device))
        case .getMessageWaitingIndicator(let device):
            guard !configuration.unsupportedRequests.contains(request.operationName) else {
                throw PBXErrorCode.unsupportedService
            }
            guard configuration.numbering.kind(of: device) == .extension else {
                throw PBXErrorCode.invalidDeviceID
            }
            return .getMessageWaitingIndicatorResponse(messageWaitingOn: messageCount(of: device) > 0)
        case .setDoNotDisturb(let device, let doNotDisturbOn):
            try applyDoNotDisturb(device: device, on: doNotDisturbOn)
            return .positiveResponse("SetDoNotDisturbResponse")
        case .snapshotDevice(let device):
            guard isSwitchDevice(device) else {
                throw PBXErrorCode.invalidDeviceID
            }
            return .snapshotDeviceResponse(state(of: device).map { CSTASnapshotCall(connection: $0.connection, localCallState: $0.state) })
        case .monitorStart(let device):
            guard isSwitchDevice(device) else {
                throw PBXErrorCode.invalidDeviceID
            }
            return .monitorStartResponse(monitorCrossRefID: addMonitor(device: device, session: session))
        case .monitorStop(let crossRefIdentifier):
            guard let monitor = monitors[crossRefIdentifier], monitor.session == session else {
                throw PBXErrorCode.invalidCrossRefID
            }
            removeMonitor(monitor.crossRefID)
            return .positiveResponse("MonitorStopResponse")
        case .systemStatus:
            return .systemStatusResponse
        case .startApplicationSession:
            let sessionID = "sim-session-\(applicationSessionNumber)"
            applicationSessionNumber += 1
            sessions[session]?.applicationSessionID = sessionID
            return .applicationSessionStarted(sessionID: sessionID)
        }
    }

    /// Whether `device` can be monitored or snapshotted: an extension or a queue.
    func isSwitchDevice(_ device: String) -> Bool {
        switch configuration.numbering.kind(of: device) {
        case .extension, .queue: true
        default: false
        }
    }

    /// Resolves a connection named by a request. An empty call id (a device-only ConnectionID) stands for the device's
    /// only connection.
    func locate(_ named: ConnectionID) throws(CSTAError) -> ConnectionID {
        // A gateway may echo a device as the switch wrote it (`N<1001>;noa=nk`): the switch knows it by its number.
        let connection = ConnectionID(callID: named.callID, deviceID: named.device.number)
        if connection.callID.isEmpty {
            let candidates = connections(of: connection.deviceID)
            guard candidates.count == 1, let only = candidates.first else {
                throw PBXErrorCode.invalidConnectionID
            }
            return only.connection
        }
        guard let call = callTable[connection.callID] else {
            throw PBXErrorCode.invalidCallID
        }
        guard call.state(of: connection.deviceID) != nil else {
            throw PBXErrorCode.invalidConnectionID
        }
        return connection
    }

    // MARK: Monitors

    /// Starts a monitor on `device` for `session` and returns its cross-reference id.
    private func addMonitor(device: String, session: PBXSessionID) -> String {
        let crossRefID = String(nextMonitorNumber)
        nextMonitorNumber += 1
        monitors[crossRefID] = Monitor(crossRefID: crossRefID, device: device, session: session)
        monitorsByDevice[device, default: []].append(crossRefID)
        return crossRefID
    }

    /// Stops a monitor.
    private func removeMonitor(_ crossRefID: String) {
        guard let monitor = monitors.removeValue(forKey: crossRefID) else {
            return
        }
        monitorsByDevice[monitor.device]?.removeAll { $0 == crossRefID }
        if monitorsByDevice[monitor.device]?.isEmpty == true {
            monitorsByDevice[monitor.device] = nil
        }
    }

    // MARK: Output

    /// Queues a call event for every monitor of every recipient: each copy carries the monitor's cross-reference id and
    /// the recipient's own connection state.
    func emit(
        _ make: (CSTACallEvent) -> CSTAMessage,
        _ event: CSTACallEvent,
        to recipients: [(device: String, state: CSTAConnectionState)]
    ) {
        var seen: Set<String> = []
        for recipient in recipients where seen.insert(recipient.device).inserted {
            for crossRefID in monitorsByDevice[recipient.device] ?? [] {
                guard let monitor = monitors[crossRefID] else {
                    continue
                }
                var copy = event
                copy.monitorCrossRefID = crossRefID
                copy.localConnectionInfo = recipient.state
                let message = make(copy)
                if trace != nil {
                    outboxTrace.append((outbox.count, recipient.device, event.connection.callID, message.rootName))
                }
                outbox.append((monitor.session, .message(invokeID: CSTAFrame.unsolicitedInvokeID, message)))
                counters.eventsSent += 1
            }
        }
    }

    /// Queues a call event for the parties of `callID` (each with its own state) and for `extra` devices leaving it.
    func emit(
        _ make: (CSTACallEvent) -> CSTAMessage,
        _ event: CSTACallEvent,
        call callID: String,
        extra: [(device: String, state: CSTAConnectionState)] = []
    ) {
        let parties = callTable[callID]?.parties.map { (device: $0.device, state: $0.state) } ?? []
        emit(make, event, to: extra + parties)
    }

    /// Queues a vendor event (real style) for every monitor of the parties of `callID`, in the order `emit(_:_:call:)`
    /// sends call events; `make` gets the monitor's cross-reference id. Not counted in `eventsSent`, not traced.
    func emitVendorEvent(call callID: String, _ make: (String) -> SimulatorVendorEvent) {
        var seen: Set<String> = []
        for party in callTable[callID]?.parties ?? [] where seen.insert(party.device).inserted {
            for crossRefID in monitorsByDevice[party.device] ?? [] {
                guard let monitor = monitors[crossRefID] else {
                    continue
                }
                outbox.append((monitor.session, .vendorEvent(make(crossRefID))))
            }
        }
    }

    /// Queues a device event (forwarding, do-not-disturb) for every monitor of `device`.
    func emitDeviceEvent(_ device: String, _ make: (String) -> CSTAMessage) {
        for crossRefID in monitorsByDevice[device] ?? [] {
            guard let monitor = monitors[crossRefID] else {
                continue
            }
            outbox.append((monitor.session, .message(invokeID: CSTAFrame.unsolicitedInvokeID, make(crossRefID))))
            counters.eventsSent += 1
        }
    }

    /// Delivers the queued output, then wakes the waiters whose state was reached.
    func flush() {
        let pending = outbox
        outbox = []
        for item in pending {
            sessions[item.session]?.output(item.output)
        }
        if !outboxTrace.isEmpty {
            var time = timespec()
            clock_gettime(CLOCK_REALTIME, &time)
            let nanoseconds = Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
            for item in outboxTrace where item.index < pending.count && sessions[pending[item.index].session] != nil {
                trace?.append(SimulatorTraceRecord(time: nanoseconds, device: item.device, callID: item.callID, event: item.event))
            }
            outboxTrace.removeAll(keepingCapacity: true)
        }
        resumeWaiters()
    }

    /// Starts recording every call event sent to a monitor, with the wall-clock time it was written (benchmarks join
    /// these with what clients of the gateway received, to measure latency and find lost events).
    public func startTracing() {
        if trace == nil { trace = [] }
    }

    /// Records a request received from a gateway while tracing, named as ECMA-323 names it (`DeflectCall`), at the
    /// connection it acts on.
    private func recordRequest(_ name: String, _ connection: ConnectionID) {
        guard trace != nil else { return }
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        trace?.append(
            SimulatorTraceRecord(
                time: Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec),
                device: connection.deviceID,
                callID: connection.callID,
                event: name
            )
        )
    }

    /// The call events recorded since the last call, oldest first.
    public func takeTrace() -> [SimulatorTraceRecord] {
        defer { if trace != nil { trace = [] } }
        return trace ?? []
    }

    // MARK: Truth

    /// Every call in progress, oldest first.
    public func calls() -> [SimulatorCall] {
        callTable.values.sorted { $0.sequence < $1.sequence }.map { call in
            SimulatorCall(
                callID: call.id,
                callingDevice: call.callingDevice,
                calledDevice: call.calledDevice,
                lastRedirectionDevice: call.lastRedirectionDevice,
                connections: call.parties.map { SimulatorConnection(connection: call.connection($0.device), state: $0.state) }
            )
        }
    }

    /// `device`'s connections, oldest call first (what SnapshotDevice reports).
    public func state(of device: String) -> [SimulatorConnection] {
        connections(of: device)
    }

    /// `device`'s connections, oldest call first.
    func connections(of device: String) -> [SimulatorConnection] {
        callTable.values.sorted { $0.sequence < $1.sequence }.compactMap { call in
            call.state(of: device).map { SimulatorConnection(connection: call.connection(device), state: $0) }
        }
    }

    /// The devices at least one monitor watches.
    public func monitoredDevices() -> Set<String> {
        Set(monitorsByDevice.keys)
    }

    /// Whether `device` has do-not-disturb on.
    /// How many voicemail messages wait for `device`.
    public func messageCount(of device: String) -> Int {
        devices[device]?.messages ?? 0
    }

    public func isDoNotDisturb(_ device: String) -> Bool {
        devices[device]?.doNotDisturb ?? false
    }

    /// `device`'s forwarding settings (immediate, busy, no answer), as GetForwarding reports them.
    public func forwarding(of device: String) -> [CSTAForwardingSetting] {
        ForwardKind.allCases.map { kind in
            let forward = devices[device]?.forwards[kind]
            return CSTAForwardingSetting(
                forwardingType: kind.cstaType,
                forwardStatus: forward?.active ?? false,
                forwardDN: CSTADeviceID(forward?.destination)
            )
        }
    }

    /// What the switch has done so far.
    public func currentCounters() -> SimulatorCounters {
        counters
    }

    // MARK: Waiting

    /// Waits until `device` has a connection in `state` (for `.null`: no connection at all), or throws `WaitTimeout`.
    ///
    /// For timer-driven behaviour (no-answer forwarding, trunk answers) in tests and scenarios, without sleeping.
    public func waitFor(_ state: CSTAConnectionState, at device: String, timeout: Duration) async throws {
        try await waitFor(.connectionState(device: device, state: state), timeout: timeout)
    }

    /// Waits until exactly `count` links are open (e.g. 0 after a gateway disconnected), or throws `WaitTimeout`.
    public func waitForSessions(_ count: Int, timeout: Duration) async throws {
        try await waitFor(.sessionCount(count), timeout: timeout)
    }

    /// Waits until the counters satisfy `condition` (e.g. `{ $0.callsCompleted >= 10 }`), or throws `WaitTimeout`.
    public func waitUntil(timeout: Duration, _ condition: @escaping @Sendable (SimulatorCounters) -> Bool) async throws {
        try await waitFor(.counters(condition), timeout: timeout)
    }

    /// Waits until `condition` holds; it is checked after every change the switch makes.
    private func waitFor(_ condition: Condition, timeout: Duration) async throws {
        if isReached(condition) {
            return
        }
        let number = nextWaiterNumber
        nextWaiterNumber += 1
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let timeoutTask = Task {
                try? await Task.sleep(for: timeout)
                self.expireWaiter(number)
            }
            waiters[number] = Waiter(condition: condition, continuation: continuation, timeout: timeoutTask)
        }
    }

    /// Whether `condition` holds now.
    private func isReached(_ condition: Condition) -> Bool {
        switch condition {
        case .connectionState(let device, let state):
            let current = connections(of: device)
            return state == .null ? current.isEmpty : current.contains { $0.state == state }
        case .sessionCount(let count):
            return sessions.count == count
        case .counters(let predicate):
            return predicate(counters)
        }
    }

    /// Fails a waiter whose time is up.
    private func expireWaiter(_ number: Int) {
        guard let waiter = waiters.removeValue(forKey: number) else {
            return
        }
        waiter.continuation.resume(throwing: WaitTimeout(condition: waiter.condition.description))
    }

    /// Resumes the waiters whose condition holds.
    func resumeWaiters() {
        for (number, waiter) in waiters where isReached(waiter.condition) {
            waiters[number] = nil
            waiter.timeout.cancel()
            waiter.continuation.resume()
        }
    }
}

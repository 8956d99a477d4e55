/// One call as the simulated switch sees it: the truth that tests and the demo compare the gateway's view with.
public struct SimulatorCall: Sendable, Hashable {
    /// The CSTA call id.
    public var callID: String
    /// The calling party as events report it.
    public var callingDevice: String?
    /// The called party as events report it (the originally dialled number after a forward).
    public var calledDevice: String?
    /// The device that last redirected the call (forward, deflection, transfer), if any.
    public var lastRedirectionDevice: String?
    /// The connections still in the call, in the order they joined.
    public var connections: [SimulatorConnection]

    /// Creates a call snapshot.
    public init(
        callID: String,
        callingDevice: String?,
        calledDevice: String?,
        lastRedirectionDevice: String?,
        connections: [SimulatorConnection]
    ) {
        self.callID = callID
        self.callingDevice = callingDevice
        self.calledDevice = calledDevice
        self.lastRedirectionDevice = lastRedirectionDevice
        self.connections = connections
    }

    /// The state of `device`'s connection in this call, nil when the device is not in it.
    public func state(of device: String) -> CSTAConnectionState? {
        connections.first { $0.connection.deviceID == device }?.state
    }
}

/// One device's connection to a call, with its ECMA-269 connection state.
public struct SimulatorConnection: Sendable, Hashable, CustomStringConvertible {
    /// The connection (call id and device).
    public var connection: ConnectionID
    /// Its state.
    public var state: CSTAConnectionState

    /// Creates a connection snapshot.
    public init(connection: ConnectionID, state: CSTAConnectionState) {
        self.connection = connection
        self.state = state
    }

    /// `callID@device=state`, for test failures.
    public var description: String {
        "\(connection)=\(state)"
    }
}

/// Counters of what the switch did, for load runs and benchmarks.
public struct SimulatorCounters: Sendable, Hashable, Codable {
    /// Calls created (MakeCall, placed calls, consultation calls, calls resulting from a transfer).
    public var callsStarted = 0
    /// Calls answered at least once.
    public var callsAnswered = 0
    /// Calls that ended (every connection cleared, or merged away by a transfer).
    public var callsCompleted = 0
    /// Event copies sent to monitors (one per monitor per event).
    public var eventsSent = 0
    /// Requests received from gateways (answered or refused).
    public var requestsHandled = 0
    /// Frames ignored while the switch was not answering (fault mode).
    public var requestsIgnored = 0

    /// Creates zeroed counters.
    public init() {}
}

/// One call event the switch sent to a monitor while tracing (`PBXSwitch.startTracing()`), or one request it received
/// that benchmarks time (`DeflectCall`, at the connection it deflects).
public struct SimulatorTraceRecord: Sendable, Hashable, Codable {
    /// Wall-clock time it was written to the gateway's connection, in nanoseconds since 1970 (CLOCK_REALTIME, so
    /// another process on the machine can compare its own receipt times).
    public var time: Int64
    /// The monitored device the copy was for.
    public var device: String
    /// The call id of the event's connection.
    public var callID: String
    /// The event's root element as ECMA-323 names it, e.g. `DeliveredEvent` (`TransferedEvent` in both styles, so that
    /// tools reading the trace, such as `scripts/bench_telephony.py`, need one table of names).
    public var event: String
}

extension CSTAMessage {
    /// The root element of a call event as ECMA-323 names it and the plain style writes it (e.g. `DeliveredEvent`);
    /// empty for other messages.
    var rootName: String {
        switch self {
        case .serviceInitiated: "ServiceInitiatedEvent"
        case .originated: "OriginatedEvent"
        case .delivered: "DeliveredEvent"
        case .established: "EstablishedEvent"
        case .connectionCleared: "ConnectionClearedEvent"
        case .held: "HeldEvent"
        case .retrieved: "RetrievedEvent"
        case .transferred: "TransferedEvent"
        case .diverted: "DivertedEvent"
        case .failed: "FailedEvent"
        case .queued: "QueuedEvent"
        default: ""
        }
    }

    /// The root element as a switch of `style` writes it: the real style corrects ECMA-323's `TransferedEvent` to
    /// `TransferredEvent`, as several switches do.
    func rootName(in style: SimulatorStyle) -> String {
        if case .transferred = self, style == .real {
            return "TransferredEvent"
        }
        return rootName
    }
}

/// Limits of the push channel (:9000).
public struct PushLimits: Sendable {
    /// Open WebSockets and waiting long-polls one user may hold at once; more answer 429.
    public var connectionsPerUser: Int
    /// Open WebSockets and waiting long-polls of all users together; more answer 503.
    public var maxConnections: Int
    /// How often an open WebSocket's session is checked again, so a logged-out user's socket is closed.
    public var sessionRecheckInterval: Duration
    /// The long-poll wait when the client gives no `timeout`, and the largest it may give.
    public var defaultPollTimeout: Duration
    public var maxPollTimeout: Duration
    /// The most events one long-poll answer carries.
    public var maxPollEvents: Int

    public init(
        connectionsPerUser: Int = 8,
        maxConnections: Int = 10_000,
        sessionRecheckInterval: Duration = .seconds(30),
        defaultPollTimeout: Duration = .seconds(25),
        maxPollTimeout: Duration = .seconds(60),
        maxPollEvents: Int = 500
    ) {
        self.connectionsPerUser = connectionsPerUser
        self.maxConnections = maxConnections
        self.sessionRecheckInterval = sessionRecheckInterval
        self.defaultPollTimeout = defaultPollTimeout
        self.maxPollTimeout = maxPollTimeout
        self.maxPollEvents = maxPollEvents
    }
}

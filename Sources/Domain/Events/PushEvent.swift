import Foundation

/// One event as clients receive it (WebSocket text frame or long-poll array item).
///
/// Exactly one of the payload members is set, the one named by `type`; `seq` increases by one per event of the
/// domain, so a gap in what a client sees is events it was not allowed to see, never lost ones.
public struct PushEvent: Codable, Sendable, Equatable {
    public var seq: UInt64
    public var type: PushEventType
    public var time: Date
    public var call: CallEventPayload?
    public var devicePresence: DevicePresencePayload?
    public var userPresence: UserPresencePayload?
    public var forwarding: ForwardingPayload?
    public var link: LinkStatePayload?
    public var callLog: CallLogPayload?
    public var resync: ResyncPayload?
    public var directorySync: DirectorySyncPayload?
    public var alerter: AlerterCard?
    public var queue: QueueEventPayload?
    public var supervisionAlert: SupervisionAlertPayload?
    public var missedCall: MissedCallPayload?
    public var ruleApplied: RuleAppliedPayload?
    public var callback: CallbackEventPayload?
    public var messageWaiting: MessageWaitingPayload?
    public var calendarPresence: CalendarPresence?

    public init(
        seq: UInt64 = 0,
        type: PushEventType,
        time: Date,
        call: CallEventPayload? = nil,
        devicePresence: DevicePresencePayload? = nil,
        userPresence: UserPresencePayload? = nil,
        forwarding: ForwardingPayload? = nil,
        link: LinkStatePayload? = nil,
        callLog: CallLogPayload? = nil,
        resync: ResyncPayload? = nil,
        directorySync: DirectorySyncPayload? = nil,
        alerter: AlerterCard? = nil,
        queue: QueueEventPayload? = nil,
        supervisionAlert: SupervisionAlertPayload? = nil,
        missedCall: MissedCallPayload? = nil,
        ruleApplied: RuleAppliedPayload? = nil,
        callback: CallbackEventPayload? = nil,
        messageWaiting: MessageWaitingPayload? = nil,
        calendarPresence: CalendarPresence? = nil
    ) {
        self.seq = seq
        self.type = type
        self.time = time
        self.call = call
        self.devicePresence = devicePresence
        self.userPresence = userPresence
        self.forwarding = forwarding
        self.link = link
        self.callLog = callLog
        self.resync = resync
        self.directorySync = directorySync
        self.alerter = alerter
        self.queue = queue
        self.supervisionAlert = supervisionAlert
        self.missedCall = missedCall
        self.ruleApplied = ruleApplied
        self.callback = callback
        self.messageWaiting = messageWaiting
        self.calendarPresence = calendarPresence
    }
}

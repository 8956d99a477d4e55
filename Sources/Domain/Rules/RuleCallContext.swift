import Foundation

/// What rules look at when a call arrives (or when the explain endpoint imagines one).
public struct RuleCallContext: Sendable, Equatable {
    /// The caller's number as clients see it (after the reverse dialing plan).
    public var callerNumber: String
    /// A number of the domain's numbering plan (`ReverseResult.isInternal`).
    public var callerIsInternal: Bool
    /// The directories holding a contact with the caller's number, among those the user reads (empty: unknown caller).
    public var callerDirectories: Set<Int64>
    /// The caller is a VIP contact of a directory the user reads.
    public var callerIsVip: Bool
    /// The user's presence; `calendar` is a separate flag because it adds to the others.
    public var presence: RulePresence
    /// The user is in a calendar event now (issue 21: read from `CalendarBoard`, false when their calendar is not read).
    public var inCalendarEvent: Bool
    /// The called device is already in another call.
    public var deviceBusy: Bool
    public var time: Date
    /// The domain's time zone, for schedules.
    public var timeZone: TimeZone

    public init(
        callerNumber: String,
        callerIsInternal: Bool,
        callerDirectories: Set<Int64> = [],
        callerIsVip: Bool = false,
        presence: RulePresence,
        inCalendarEvent: Bool = false,
        deviceBusy: Bool,
        time: Date,
        timeZone: TimeZone
    ) {
        self.callerNumber = callerNumber
        self.callerIsInternal = callerIsInternal
        self.callerDirectories = callerDirectories
        self.callerIsVip = callerIsVip
        self.presence = presence
        self.inCalendarEvent = inCalendarEvent
        self.deviceBusy = deviceBusy
        self.time = time
        self.timeZone = timeZone
    }
}

import Foundation

/// The kind of a push event; the JSON `type` field.
public enum PushEventType: String, Codable, Sendable, CaseIterable {
    /// A call changed at a device (delivered, established, held, cleared, …).
    case call
    /// A device's telephony presence changed.
    case devicePresence = "device_presence"
    /// A user's own presence (TWS status) changed.
    case userPresence = "user_presence"
    /// A device's forwarding changed.
    case forwarding
    /// A PBX link connected or went down.
    case link
    /// A call-log entry was written for the receiving user.
    case callLog = "call_log"
    /// The client asked for events older than the buffer keeps: it must reload its state (GET the REST views).
    case resync
    /// A directory the user reads is synchronising (progress) or has finished (its contacts changed).
    case directorySync = "directory_sync"
    /// An incoming call's Alerter card, rendered for the receiving user (TWS Alerter), right after its `delivered` event.
    case alerter
    /// A call joined, left, was taken from or abandoned a phone queue the user may view.
    case queue
    /// A phone queue crossed a threshold or came back under it.
    case supervisionAlert = "supervision_alert"
    /// An unanswered call at a device of an intercom group the user supervises.
    case missedCall = "missed_call"
    /// A forwarding rule of the receiving user acted on a call (forwarded it, refused a loop, fell back to the emergency
    /// number, …).
    case ruleApplied = "rule_applied"
    /// A callback request of a group the user belongs to changed status (issue 20).
    case callback
    /// The message-waiting indicator (voicemail lamp) of one of the receiving user's own devices went on or off.
    case messageWaiting = "message_waiting"
    /// A colleague's (or the user's own) calendar presence changed: an event began or ended, or their calendar became
    /// unreadable or readable again (issue 21).
    case calendarPresence = "calendar_presence"
}

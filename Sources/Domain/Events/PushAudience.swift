import Foundation

/// Who may receive a push event. The bus compares it with each subscriber's `PushAudienceFilter`.
public enum PushAudience: Sendable, Hashable {
    /// About a device: its owner and everyone allowed to see it (intercom groups, queues, boss/secretary).
    case device(String)
    /// For one user only (their call-log entries).
    case user(Int64)
    /// Everyone of the domain (user presence, PBX link state).
    case domain
    /// The users who may read a directory (its synchronisation progress).
    case directory(Int64)
    /// About a device of an intercom group: the users authorised to that group (its supervisors), not those who merely
    /// see the device through a phone queue or as a boss's secretary (a missed call on a supervised line).
    case intercom(String)
    /// The call events of a boss's device as their secretaries receive them (admin guide 9.1.7
    /// `AuthorizeSupervisionInformation`): callers named through the intercom group `SupervisionInformationGroup`
    /// names, when set, rather than through the boss's directories. Secretaries get these instead of `device` call events.
    case secretaries(String)
    /// These users only (a callback group's members).
    case users(Set<Int64>)
    /// The users whose own device this is, not colleagues who merely see it (its voicemail lamp).
    case owner(String)
}

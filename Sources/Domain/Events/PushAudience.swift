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
}

import Foundation

/// A user's own status (the TWS presence), set by the user; `offline` when they have no live session.
public enum UserPresenceStatus: String, Codable, Sendable, CaseIterable {
    case available
    case away
    case busy
    case doNotDisturb = "do_not_disturb"
    case offline
}

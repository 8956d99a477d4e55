import Foundation

/// The state of one device's connection to a call, as the call model keeps it (ECMA-269 connection states,
/// plus `cleared` for a connection that has just ended).
public enum ConnectionState: String, Codable, Sendable, CaseIterable {
    case initiated
    case alerting
    case connected
    case held
    case queued
    case failed
    case cleared
}

/// A device's telephony presence: what its line is doing, as shown to colleagues (admin guide 9.1).
public enum TelephonyPresence: String, Codable, Sendable, CaseIterable {
    case idle
    case ringing
    case busy
    case held
    case doNotDisturb = "dnd"
    case forwarded
    /// Not monitored, or the PBX link is down: nothing is known.
    case outOfService = "out_of_service"
}

/// A user's own status (the TWS presence), set by the user; `offline` when they have no live session.
public enum UserPresenceStatus: String, Codable, Sendable, CaseIterable {
    case available
    case away
    case busy
    case doNotDisturb = "do_not_disturb"
    case offline
}

/// Which way a call goes from one device's point of view.
public enum CallDirection: String, Codable, Sendable, CaseIterable {
    case incoming
    case outgoing
}

import Foundation

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

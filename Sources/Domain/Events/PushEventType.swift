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
}

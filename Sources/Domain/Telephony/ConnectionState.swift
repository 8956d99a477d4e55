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

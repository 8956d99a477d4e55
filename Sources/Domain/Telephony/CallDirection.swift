import Foundation

/// Which way a call goes from one device's point of view.
public enum CallDirection: String, Codable, Sendable, CaseIterable {
    case incoming
    case outgoing
}

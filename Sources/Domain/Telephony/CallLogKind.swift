import Foundation

/// The three call-log lists of a user (admin guide 9.1.6, 10.2.1).
public enum CallLogKind: String, Codable, Sendable, CaseIterable {
    case incoming
    case outgoing
    case missed
}

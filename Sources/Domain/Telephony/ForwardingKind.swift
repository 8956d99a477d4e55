import Foundation

/// The kinds of simple forwarding a user may set (admin guide 9.1, `AuthorizedForwardType*`).
public enum ForwardingKind: String, Codable, Sendable, CaseIterable {
    case immediate
    case busy
    case noAnswer = "no_answer"
}

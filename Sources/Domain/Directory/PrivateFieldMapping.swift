import Crypto
import Foundation

/// A private field's label and mapping; the label `[VIP]` makes it the VIP field (admin guide 8.2.3).
public struct PrivateFieldMapping: Sendable, Equatable {
    public static let vipLabel = "[VIP]"
    public var label: String
    public var mapping: FieldMapping
    public var isVIP: Bool { label.trimmingCharacters(in: .whitespaces).uppercased() == Self.vipLabel }
}

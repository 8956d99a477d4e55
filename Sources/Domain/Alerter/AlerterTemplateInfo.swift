import Foundation

/// A stored Alerter template as administrators list it.
public struct AlerterTemplateInfo: Sendable, Equatable {
    public var domainId: Int64
    public var name: String
    /// Bytes of XML text.
    public var size: Int
    /// Its text, image and button elements.
    public var elements: Int
    public var updatedAt: Date
}

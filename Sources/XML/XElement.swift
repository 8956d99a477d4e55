import Foundation

/// A small immutable XML element tree: what the hardened reader hands out and what the SOAP and CSTA writers serialise.
///
/// Only what document/literal SOAP and CSTA need is kept: local name, namespace URI, un-namespaced attributes (e.g.
/// ECMA-323's `typeOfNumber` on a deviceID), text and element children. Namespaced attributes (`xsi:schemaLocation`),
/// comments and processing instructions are dropped; text is kept for leaf elements only
/// (mixed content is not part of the contract) and is trimmed of XML whitespace (space, tab, CR, LF).
public struct XElement: Sendable, Hashable, CustomStringConvertible {
    /// The local name, without prefix.
    public var name: String
    /// The namespace URI, or nil for "no namespace" (when parsed) / "inherit the parent's" (when written).
    public var namespace: String?
    /// The trimmed text content of a leaf element; empty for elements that have element children.
    public var text: String
    /// The element children, in document order.
    public var children: [XElement]
    /// The attributes without a namespace, by local name (empty for most elements). Not written by `SOAPWriter`.
    public var attributes: [String: String]

    /// Creates an element; nil entries in `children` are dropped so optional leaves can be passed directly.
    public init(
        _ name: String,
        namespace: String? = nil,
        text: String = "",
        children: [XElement?] = [],
        attributes: [String: String] = [:]
    ) {
        self.name = name
        self.namespace = namespace
        self.text = text
        self.children = children.compactMap { $0 }
        self.attributes = attributes
    }

    /// A leaf element holding `value`, or nil (omitted by `init`) when `value` is nil.
    public static func leaf(_ name: String, _ value: String?) -> XElement? {
        value.map { XElement(name, text: $0) }
    }

    /// A leaf element holding an integer (xsd:int / xsd:long), or nil when `value` is nil.
    public static func leaf(_ name: String, _ value: Int?) -> XElement? {
        value.map { XElement(name, text: String($0)) }
    }

    /// A leaf element holding an xsd:long, or nil when `value` is nil.
    public static func leaf(_ name: String, _ value: Int64?) -> XElement? {
        value.map { XElement(name, text: String($0)) }
    }

    /// A leaf element holding an xsd:boolean (`true`/`false`), or nil when `value` is nil.
    public static func leaf(_ name: String, _ value: Bool?) -> XElement? {
        value.map { XElement(name, text: $0 ? "true" : "false") }
    }

    /// A leaf element holding an xsd:dateTime in UTC ISO 8601 (`2024-05-01T12:00:00Z`), or nil when `value` is nil.
    public static func leaf(_ name: String, _ value: Date?) -> XElement? {
        value.map { XElement(name, text: $0.formatted(Date.ISO8601FormatStyle())) }
    }

    /// The first direct child with local name `name` (namespace not compared), if any.
    public func child(_ name: String) -> XElement? {
        children.first { $0.name == name }
    }

    /// All direct children with local name `name`, in document order.
    public func children(named name: String) -> [XElement] {
        children.filter { $0.name == name }
    }

    /// The text of the first direct child named `name`; nil when there is no such child.
    public func string(_ name: String) -> String? {
        child(name)?.text
    }

    /// The text of the child named `name` as an integer (xsd:int / xsd:long); nil if absent or not a number.
    public func int(_ name: String) -> Int? {
        string(name).flatMap { Int($0) }
    }

    /// The text of the child named `name` as an xsd:boolean (`true`, `false`, `1`, `0`); nil if absent or invalid.
    public func bool(_ name: String) -> Bool? {
        switch string(name) {
        case "true", "1": true
        case "false", "0": false
        default: nil
        }
    }

    /// A compact one-line rendering for logs and test failures, e.g. `{urn:x}Login[username="alice", password=***]`.
    ///
    /// The text of elements whose name contains "password" or "token" is masked, so logging a request or a
    /// response does not leak credentials.
    public var description: String {
        let qualified = namespace.map { "{\($0)}\(name)" } ?? name
        if children.isEmpty {
            let lowered = name.lowercased()
            let isSecret = lowered.contains("password") || lowered.contains("token")
            return isSecret ? "\(qualified)=***" : "\(qualified)=\"\(text)\""
        }
        return "\(qualified)[\(children.map(\.description).joined(separator: ", "))]"
    }
}

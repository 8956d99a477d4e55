import Foundation

/// One row of a source: attribute or column name, lowercased (the guide asks for lower-case LDAP names), to its
/// values. LDAP attributes may hold several values; SQL and CSV columns one. A NULL column is absent.
public struct SourceRow: Sendable, Equatable {
    public var values: [String: [String]]

    public init(_ values: [String: [String]]) { self.values = values }

    /// The first value of `name` (case-insensitive), if any.
    public subscript(name: String) -> String? { values[name]?.first ?? values[name.lowercased()]?.first }
}

import Foundation

/// One row of a source: attribute or column name, lowercased (the guide asks for lower-case LDAP names), to its
/// values. LDAP attributes may hold several values; SQL and CSV columns one. A NULL column is absent.
public struct SourceRow: Sendable, Equatable {
    public var values: [String: [String]]

    public init(_ values: [String: [String]]) { self.values = values }

    /// The first value of `name` (case-insensitive), if any.
    public subscript(name: String) -> String? {
        if let value = values[name]?.first { return value }
        // Field maps hold lower-case names already: no need to lower-case one again for every absent attribute of
        // every row.
        guard name.utf8.contains(where: { $0 >= 0x80 || (0x41...0x5A).contains($0) }) else { return nil }
        return values[name.lowercased()]?.first
    }
}

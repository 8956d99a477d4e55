/// The ECMA-323 edition whose XML namespace outgoing messages are written in.
///
/// Incoming messages are accepted in any edition (and without a namespace) because they are matched on local names; the
/// edition only decides the `xmlns` of what we send. ed4 is the default: it is what most PBXs expect.
public enum CSTAEdition: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// ECMA-323 2nd edition (2002).
    case ed2 = 2
    /// ECMA-323 3rd edition (2004).
    case ed3 = 3
    /// ECMA-323 4th edition (2006), the default.
    case ed4 = 4
    /// ECMA-323 5th edition (2009).
    case ed5 = 5
    /// ECMA-323 6th edition (2011).
    case ed6 = 6

    /// The namespace URI, e.g. `http://www.ecma-international.org/standards/ecma-323/csta/ed4`.
    public var namespace: String {
        "http://www.ecma-international.org/standards/ecma-323/csta/ed\(rawValue)"
    }

    /// The edition whose namespace is `namespace`, or nil for any other URI.
    public init?(namespace: String) {
        let prefix = "http://www.ecma-international.org/standards/ecma-323/csta/ed"
        guard namespace.hasPrefix(prefix), let number = Int(namespace.dropFirst(prefix.count)) else {
            return nil
        }
        self.init(rawValue: number)
    }

    /// `ed4` and so on.
    public var description: String {
        "ed\(rawValue)"
    }
}

import Foundation

/// Checks that a value names a place on the network that can be dialled: a DNS host name, an IPv4 address in dotted
/// form, or an IPv6 address; never an unspecified, broadcast or multicast address, whose "connection" would go
/// nowhere (or everywhere) and be retried for ever.
enum NetworkHost {
    /// `value` trimmed, or a 400 naming `field` that says what is wrong.
    static func check(_ value: String, field: String) throws(DomainError) -> String {
        let host = value.trimmingCharacters(in: .whitespaces)
        let unbracketed = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if let octets = ipv4(unbracketed) {
            guard octets != [0, 0, 0, 0] else { throw .invalid(field: field, "\(field) 0.0.0.0 is no address a connection can reach") }
            guard octets != [255, 255, 255, 255] else { throw .invalid(field: field, "\(field) may not be the broadcast address") }
            guard !(224...239).contains(octets[0]) else { throw .invalid(field: field, "\(field) may not be a multicast address") }
            return host
        }
        if unbracketed.contains(":") {
            var address = in6_addr()
            guard inet_pton(AF_INET6, unbracketed, &address) == 1 else { throw .invalid(field: field, "\(field) is not a valid IPv6 address") }
            let bytes = withUnsafeBytes(of: &address) { Array($0) }
            guard bytes.contains(where: { $0 != 0 }) else { throw .invalid(field: field, "\(field) :: is no address a connection can reach") }
            guard bytes[0] != 0xFF else { throw .invalid(field: field, "\(field) may not be a multicast address") }
            return host
        }
        // RFC 1123 host names: labels of letters, digits and hyphens, not starting or ending with one; a name made of
        // digits and dots only would be read as an address ("0", "10.1") and is refused as such.
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        let valid =
            !host.isEmpty && host.count <= 253
            && labels.allSatisfy { label in
                !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                    && label.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }
            }
        guard valid, !host.allSatisfy({ $0.isNumber || $0 == "." }) else {
            throw .invalid(field: field, "\(field) must be a host name or an IP address")
        }
        return host
    }

    /// The four octets of a dotted-quad IPv4 address, nil when `value` is not one.
    private static func ipv4(_ value: String) -> [Int]? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let octets = parts.compactMap { part -> Int? in
            guard (1...3).contains(part.count), part.allSatisfy(\.isNumber), let octet = Int(part), octet <= 255 else { return nil }
            return octet
        }
        return octets.count == 4 ? octets : nil
    }
}

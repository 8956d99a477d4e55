import Foundation

/// Checks that a value names a place on the network that can be dialled: a DNS host name, an IPv4 address in dotted
/// form, or an IPv6 address (bracketed or not); never an unspecified, broadcast or multicast address, whose
/// "connection" would go nowhere (or everywhere) and be retried for ever.
///
/// The rule is one regular expression, the very `pattern` of `PbxLinkInput.host` in the contract, so the server and
/// the contract cannot disagree; the checks after it only choose the words of the refusal.
enum NetworkHost {
    static let pattern = #"^(?:(?![0-9.]+$)(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|(?!0{1,3}\.0{1,3}\.0{1,3}\.0{1,3}$)(?!255\.255\.255\.255$)(?!(?:22[4-9]|23[0-9])\.)(?:25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])){3}|(?![0:]+$)(?![Ff]{2}[0-9A-Fa-f]{2}:)(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|:(?:(?::[0-9A-Fa-f]{1,4}){1,7}|:))|\[(?![0:]+\]$)(?![Ff]{2}[0-9A-Fa-f]{2}:)(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|:(?:(?::[0-9A-Fa-f]{1,4}){1,7}|:))\])$"#

    private static let expression = try! NSRegularExpression(pattern: pattern)

    /// `value` itself, or a 400 naming `field` that says what is wrong.
    static func check(_ value: String, field: String) throws(DomainError) -> String {
        let whole = NSRange(value.startIndex..., in: value)
        guard expression.firstMatch(in: value, range: whole)?.range == whole else { throw .invalid(field: field, reason(value, field)) }
        return value
    }

    private static func reason(_ host: String, _ field: String) -> String {
        let unbracketed = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if let octets = ipv4(unbracketed) {
            if octets == [0, 0, 0, 0] { return "\(field) 0.0.0.0 is no address a connection can reach" }
            if octets == [255, 255, 255, 255] { return "\(field) may not be the broadcast address" }
            if (224...239).contains(octets[0]) { return "\(field) may not be a multicast address" }
        }
        if unbracketed.contains(":") {
            var address = in6_addr()
            guard inet_pton(AF_INET6, unbracketed, &address) == 1 else { return "\(field) is not a valid IPv6 address" }
            let bytes = withUnsafeBytes(of: &address) { Array($0) }
            if !bytes.contains(where: { $0 != 0 }) { return "\(field) :: is no address a connection can reach" }
            if bytes[0] == 0xFF { return "\(field) may not be a multicast address" }
            return "\(field) is an IPv6 address in a form this server does not dial (write it without an embedded IPv4 part)"
        }
        return "\(field) must be a host name or an IP address"
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

import Domain
import HTTPTypes

/// The address a request comes from, for sign-in limits, the audit log and API keys' allowed addresses.
///
/// Behind a configured trusted proxy (`trustedProxies`: addresses or CIDR blocks) the connection comes from the proxy,
/// and the client is the nearest hop of `Forwarded: for=` (RFC 7239) or else `X-Forwarded-For` that is not itself a
/// trusted proxy, read from the right: each proxy appends the address it saw, so the entries on the left are whatever
/// the client wrote and are believed only through trusted hops. A hop that is no address (`unknown`, an obfuscated
/// name) ends the walk at the last trusted hop. From any other peer the headers are ignored.
struct ClientAddress: Sendable {
    let trusted: [AddressRange]

    init(trustedProxies: Set<String>) {
        trusted = trustedProxies.compactMap(AddressRange.init)
    }

    func isTrustedProxy(_ address: String) -> Bool {
        trusted.contains { $0.contains(address) }
    }

    /// The client's address for a connection from `peer` with `headers`.
    func resolve(peer: String?, headers: HTTPFields) -> String? {
        guard let peer, !trusted.isEmpty, isTrustedProxy(peer) else { return peer }
        var nearest = peer
        for hop in Self.forwardedFor(headers).reversed() {
            guard let address = hop else { return nearest }
            if !isTrustedProxy(address) { return address }
            nearest = address
        }
        return nearest
    }

    /// The `for` hops, left (client side) to right (nearest proxy); nil for a hop that is no IP address.
    static func forwardedFor(_ headers: HTTPFields) -> [String?] {
        if let name = HTTPField.Name("Forwarded"), headers[name] != nil {
            return headers[values: name].flatMap { $0.split(separator: ",") }.map { element in
                let pairs = element.split(separator: ";").map { $0.split(separator: "=", maxSplits: 1) }
                guard let value = pairs.first(where: { $0.count == 2 && $0[0].trimmingCharacters(in: .whitespaces).lowercased() == "for" })?[1]
                else { return nil }
                return address(of: String(value))
            }
        }
        guard let name = HTTPField.Name("X-Forwarded-For") else { return [] }
        return headers[values: name].flatMap { $0.split(separator: ",") }.map { address(of: String($0)) }
    }

    /// `192.0.2.60`, `192.0.2.60:4711`, `"[2001:db8::1]:4711"` or `2001:db8::1` as the address alone; nil otherwise.
    static func address(of hop: String) -> String? {
        var text = Substring(hop.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = text.dropFirst().dropLast() }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            text = text[text.index(after: text.startIndex)..<close]
        } else if text.filter({ $0 == ":" }).count == 1 {
            text = text.prefix { $0 != ":" }
        }
        let address = String(text)
        guard !address.contains("/"), AddressRange(address) != nil else { return nil }
        return address
    }
}

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A CIDR block (`192.0.2.0/24`, `2001:db8::/32`, or a single address) that an API key is accepted from.
public struct AddressRange: Sendable, Equatable {
    let network: [UInt8]
    let prefixLength: Int

    /// Whether `text` has the contract's shape of an allowed address (`^[0-9A-Fa-f:.]{2,45}(/[0-9]{1,3})?$`): hex
    /// digits, colons and dots, and an optional prefix length.
    public static func hasShape(_ text: String) -> Bool {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let address = parts[0]
        guard (2...45).contains(address.count), address.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == ":" || $0 == ".") }) else { return false }
        guard parts.count == 2 else { return true }
        return (1...3).contains(parts[1].count) && parts[1].allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Parses `text`; nil when it is not an IPv4 or IPv6 address with an optional `/length`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = Self.bytes(of: String(parts[0])) else { return nil }
        let maxLength = address.count * 8
        var length = maxLength
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...maxLength).contains(value), parts[1].allSatisfy(\.isASCII) else { return nil }
            length = value
        }
        network = address
        prefixLength = length
    }

    /// Whether `address` (as the server computed the client's address) falls in the block. An IPv4 address mapped
    /// into IPv6 (`::ffff:192.0.2.1`) matches IPv4 blocks.
    public func contains(_ address: String) -> Bool {
        guard var bytes = Self.bytes(of: address) else { return false }
        if bytes.count == 16, network.count == 4, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            bytes = Array(bytes[12...])
        }
        guard bytes.count == network.count else { return false }
        var remaining = prefixLength
        for index in bytes.indices where remaining > 0 {
            let bits = min(8, remaining)
            let mask: UInt8 = bits == 8 ? 0xff : ~(0xff >> UInt8(bits))
            if bytes[index] & mask != network[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// The 4 or 16 bytes of an IPv4 or IPv6 address in text.
    static func bytes(of text: String) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count <= 64 else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

import Foundation

/// Where a webhook may be sent. URLs must be http or https with a host; addresses in loopback, link-local, private
/// (RFC 1918, fc00::/7), shared (100.64.0.0/10) or unspecified ranges are refused unless the server's configuration
/// allows private destinations, so a subscription cannot reach the server's own network (SSRF). Checked when a
/// subscription is saved and again before every attempt (a name may resolve elsewhere later).
public struct WebhookDestination: Sendable {
    let resolver: any WebhookResolver
    public let allowsPrivate: Bool

    public init(resolver: any WebhookResolver, allowsPrivate: Bool) {
        self.resolver = resolver
        self.allowsPrivate = allowsPrivate
    }

    /// The URL's host when it has the accepted shape; `invalid_field` (url) otherwise.
    public static func host(of url: String) throws(DomainError) -> String {
        guard hasShape(url) else { throw .invalid(field: "url", "url must be an http or https URL with a host and no credentials") }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty, components.user == nil, components.password == nil
        else {
            // The contract's shape, but not a URL a client can be given (a bad port, an unclosed IPv6 bracket): meaning, 422.
            var error = DomainError(.unprocessable, code: "invalid_webhook_url", "url is not a usable http or https URL")
            error.field = "url"
            throw error
        }
        return host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    /// The contract's pattern `^[hH][tT][tT][pP][sS]?://[^\s/?#@]+([/?#]\S*)?$`: http(s), a non-empty authority without
    /// credentials, no white space.
    static func hasShape(_ url: String) -> Bool {
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("http://") { rest = url.dropFirst(7) } else if lower.hasPrefix("https://") { rest = url.dropFirst(8) } else { return false }
        guard !url.contains(where: \.isWhitespace) else { return false }
        let authority = rest.prefix { !"/?#".contains($0) }
        return !authority.isEmpty && !authority.contains("@")
    }

    /// Throws 422 `webhook_destination_refused` when `url`'s host resolves to a restricted address (or to none).
    public func check(_ url: String) async throws(DomainError) {
        let host = try Self.host(of: url)
        if allowsPrivate { return }
        let addresses: [[UInt8]]
        do {
            addresses = try await resolver.addresses(host: host)
        } catch {
            throw Self.refused("\(host) does not resolve")
        }
        guard !addresses.isEmpty else { throw Self.refused("\(host) does not resolve") }
        if addresses.contains(where: Self.isRestricted) {
            throw Self.refused("\(host) resolves to a loopback, link-local or private address")
        }
    }

    static func refused(_ message: String) -> DomainError {
        var error = DomainError(.unprocessable, code: "webhook_destination_refused", "Webhook destination refused: \(message)")
        error.field = "url"
        return error
    }

    /// True for an IPv4 (4 bytes) or IPv6 (16 bytes) address in a range webhooks may not reach by default.
    public static func isRestricted(_ address: [UInt8]) -> Bool {
        switch address.count {
        case 4:
            let (a, b) = (address[0], address[1])
            return a == 0 || a == 127 || a == 10 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168) || (a == 169 && b == 254)
                || (a == 100 && (64...127).contains(b))
        case 16:
            if address[0..<10].allSatisfy({ $0 == 0 }) && address[10] == 0xff && address[11] == 0xff {
                return isRestricted(Array(address[12..<16]))  // IPv4-mapped
            }
            if address[0..<15].allSatisfy({ $0 == 0 }) { return address[15] <= 1 }  // :: and ::1
            if address[0] & 0xfe == 0xfc { return true }  // fc00::/7 unique local
            if address[0] == 0xfe && address[1] & 0xc0 == 0x80 { return true }  // fe80::/10 link-local
            return false
        default:
            return true
        }
    }
}

/// Resolves a host name (or an address literal) to its addresses, as 4- or 16-byte arrays (Connectors implements it).
public protocol WebhookResolver: Sendable {
    func addresses(host: String) async throws -> [[UInt8]]
}

/// Sends one webhook POST (Connectors implements it with async-http-client).
public protocol WebhookSender: Sendable {
    /// POSTs `body` to `url` with `headers`, following no redirect, giving up after `timeout`; never throws: what went
    /// wrong is in the result.
    func post(url: String, headers: [(String, String)], body: String, timeout: Duration) async -> WebhookSendResult
}

/// What one POST came to.
public struct WebhookSendResult: Sendable, Equatable {
    /// The answer's status, nil when none came.
    public var status: Int?
    public var error: String?
    /// The start of the answer's body, at most `WebhookAttempt.excerptLimit` bytes.
    public var excerpt: String?

    public init(status: Int?, error: String?, excerpt: String?) {
        self.status = status
        self.error = error
        self.excerpt = excerpt
    }

    public var succeeded: Bool { status.map { (200..<300).contains($0) } ?? false }
}

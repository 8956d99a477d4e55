import Foundation

/// A browser origin (scheme, host, port) whose pages may call the REST API for a company: a browser-based CRM
/// (issue 19, CORS). Stored normalised: lower-case, without the scheme's default port.
public struct CorsOrigin: CompanyScoped, Codable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var origin: String

    public init(id: Int64? = nil, companyId: Int64, origin: String) {
        self.id = id
        self.companyId = companyId
        self.origin = origin
    }

    /// The most origins a company may list.
    public static let maximumCount = 100

    /// `text` as an origin (RFC 6454): `http` or `https`, a host, an optional port, nothing else; lower-case, the
    /// default port (80, 443) dropped. Nil for anything else (a path, a query, user information, `null`, `*`).
    public static func normalised(_ text: String) -> String? {
        guard text.utf8.count <= 300, text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }) else { return nil }
        let lower = text.lowercased()
        let scheme: String
        let rest: Substring
        if lower.hasPrefix("https://") {
            scheme = "https"
            rest = lower.dropFirst("https://".count)
        } else if lower.hasPrefix("http://") {
            scheme = "http"
            rest = lower.dropFirst("http://".count)
        } else {
            return nil
        }
        // Nothing after the authority, not even "/": a browser's Origin header never has one.
        guard !rest.isEmpty, !rest.contains(where: { "/?#@\\".contains($0) }) else { return nil }
        var host = rest
        var port: Int?
        if rest.hasPrefix("[") {
            // An IPv6 literal: "[::1]" or "[::1]:8080".
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[...close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let value = Int(after.dropFirst()), after.count > 1 else { return nil }
                port = value
            }
            let inside = host.dropFirst().dropLast()
            guard !inside.isEmpty, inside.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
        } else {
            if let colon = rest.lastIndex(of: ":") {
                let digits = rest[rest.index(after: colon)...]
                guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let value = Int(digits) else { return nil }
                port = value
                host = rest[..<colon]
            }
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            // The contract's pattern, label by label (the whole origin is at most 300 characters).
            guard !host.isEmpty,
                labels.allSatisfy({ label in
                    !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                        && label.allSatisfy { $0.isASCIILetterOrDigit || $0 == "-" }
                })
            else { return nil }
        }
        if let port {
            guard (1...65535).contains(port) else { return nil }
            if (scheme == "http" && port == 80) || (scheme == "https" && port == 443) { return "\(scheme)://\(host)" }
            return "\(scheme)://\(host):\(port)"
        }
        return "\(scheme)://\(host)"
    }
}

extension Character {
    fileprivate var isASCIILetterOrDigit: Bool { isASCII && (isLetter || isNumber) }
}

/// Where a company's CORS origins are kept. Storage implements it; Domain tests use an in-memory one.
public protocol CorsOriginRecords {
    /// The company's origins, sorted.
    func corsOrigins(companyId: Int64) throws -> [CorsOrigin]
    /// Every company's origins (the allow-list the CORS middleware keeps in memory).
    func allCorsOrigins() throws -> [CorsOrigin]
    /// Replaces the company's origins with `origins` (already normalised, without duplicates).
    func replaceCorsOrigins(companyId: Int64, with origins: [String]) throws
}

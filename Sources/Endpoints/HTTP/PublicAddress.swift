import Foundation
import HTTPTypes
import Hummingbird

/// The scheme and host clients reach this server at, for the addresses it writes (the WSDL's service location).
///
/// Behind a TLS-terminating proxy the connection is plain HTTP from the proxy's address; only when that address is a
/// configured trusted proxy are its `Forwarded` (RFC 7239) or `X-Forwarded-Proto` / `X-Forwarded-Host` headers
/// believed, so a client cannot make the server advertise another host by sending them itself.
struct PublicAddress: Equatable {
    var scheme: String
    var host: String

    /// `scheme://host`.
    var baseURL: String { "\(scheme)://\(host)" }

    init(request: Request, fromTrustedProxy trusted: Bool) {
        scheme = "http"
        host = Self.plausibleHost(request.head.authority) ?? "localhost:8000"
        guard trusted else { return }
        var forwardedProto: String?
        var forwardedHost: String?
        if let forwarded = HTTPField.Name("Forwarded").flatMap({ request.headers[$0] }) {
            // The first element is the proxy nearest the client: `for=…;proto=https;host=tws.example.org, for=…`.
            let first = forwarded.split(separator: ",").first ?? ""
            for pair in first.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2 else { continue }
                let value = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                switch parts[0].lowercased() {
                case "proto": forwardedProto = value
                case "host": forwardedHost = value
                default: break
                }
            }
        } else {
            forwardedProto = HTTPField.Name("X-Forwarded-Proto").flatMap { request.headers[$0] }.map { String($0.split(separator: ",")[0]) }
            forwardedHost = HTTPField.Name("X-Forwarded-Host").flatMap { request.headers[$0] }.map { String($0.split(separator: ",")[0]) }
        }
        if let proto = forwardedProto?.trimmingCharacters(in: .whitespaces).lowercased(), proto == "https" || proto == "http" {
            scheme = proto
        }
        if let forwarded = Self.plausibleHost(forwardedHost?.trimmingCharacters(in: .whitespaces)) {
            host = forwarded
        }
    }

    /// `value` when it is a host name or address with an optional port (letters, digits, `.-:[]`), nil otherwise.
    static func plausibleHost(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.count <= 255,
            value.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-:[]".unicodeScalars.contains($0)) })
        else { return nil }
        return value
    }
}

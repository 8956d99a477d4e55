import Foundation
import HTTPTypes
import Hummingbird

/// The browser client of `GET /app/` (README "The web client"): three static files embedded in the binary
/// (`index.html`, `app.css`, `app.js`, from Sources/Endpoints/Web), served on the API port beside the contract.
///
/// Nothing a user owns is ever rendered here: the page signs in and reads everything through the public REST API and
/// the push channel, like any other client. The only value the server writes into the page is configuration: the
/// push channel's port, in a `<meta>`, read from the listener at serve time.
public struct WebClient: Sendable {
    /// The port of the push listener, which the page connects its WebSocket to.
    let pushPort: ListenerPort

    /// `index.html` around the push port's placeholder.
    private let pageHead: String
    private let pageTail: String
    private let script: ByteBuffer
    private let scriptTag: String
    private let style: ByteBuffer
    private let styleTag: String

    static let placeholder = "{{pushPort}}"
    // swift-http-types names no Referrer-Policy field; the name is a valid token, so the initialiser cannot fail.
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    /// The page's script as embedded (tests read it).
    public static var scriptSource: [UInt8] { PackageResources.app_js }

    public init(pushPort: ListenerPort) {
        self.pushPort = pushPort
        let page = String(decoding: PackageResources.index_html, as: UTF8.self)
        let parts = page.components(separatedBy: Self.placeholder)
        // The file holds the placeholder once (WebClientTests checks the served page); without it the page falls
        // back to the default port.
        pageHead = parts[0]
        pageTail = parts.dropFirst().joined(separator: Self.placeholder)
        script = ByteBuffer(bytes: PackageResources.app_js)
        scriptTag = Self.entityTag(PackageResources.app_js)
        style = ByteBuffer(bytes: PackageResources.app_css)
        styleTag = Self.entityTag(PackageResources.app_css)
    }

    /// Adds `GET /app` (redirected to `/app/`), `GET /app/`, `GET /app/app.js` and `GET /app/app.css` to `router`.
    public func register(on router: Router<some RequestContext>) {
        // The router matches `/app` and `/app/` alike; a page at `/app` would resolve `app.js` to `/app.js`.
        router.get("/app") { request, _ in
            guard request.uri.path.hasSuffix("/") else {
                return Response(status: .movedPermanently, headers: [.location: "/app/"])
            }
            let page = ByteBuffer(string: pageHead + String(pushPort.value) + pageTail)
            return serve(page, tag: Self.entityTag(page.readableBytesView), type: "text/html; charset=utf-8", request: request)
        }
        router.get("/app/app.js") { request, _ in
            serve(script, tag: scriptTag, type: "text/javascript; charset=utf-8", request: request)
        }
        router.get("/app/app.css") { request, _ in
            serve(style, tag: styleTag, type: "text/css; charset=utf-8", request: request)
        }
    }

    /// The answer for one file: 304 when the browser's copy is current, else the file; both with the security headers.
    private func serve(_ body: ByteBuffer, tag: String, type: String, request: Request) -> Response {
        var headers: HTTPFields = [
            .contentSecurityPolicy: contentSecurityPolicy(authority: request.head.authority),
            .xContentTypeOptions: "nosniff",
            // Revalidate every time: the files change with the binary, and a 304 costs one round trip.
            .cacheControl: "no-cache",
        ]
        headers[Self.referrerPolicy] = "no-referrer"
        return Self.serve(body, tag: tag, type: type, request: request, headers: headers)
    }

    /// The answer for one embedded file, with `headers` and its entity tag: 304 when the browser's copy (`If-None-Match`)
    /// is current, else the file (the call-me-back widget's files are served this way too).
    static func serve(_ body: ByteBuffer, tag: String, type: String, request: Request, headers: HTTPFields) -> Response {
        var headers = headers
        headers[.eTag] = tag
        if let wanted = request.headers[.ifNoneMatch], wanted.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == tag }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = type
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// The page's policy: its own script and style only (no inline code), images of Alerter cards from anywhere on the
    /// web, REST on this origin and the WebSocket on the push port of the host the browser used, URL-mode cards in
    /// frames, and the page itself never framed.
    func contentSecurityPolicy(authority: String?) -> String {
        var connect = "'self'"
        if let host = Self.hostName(authority) {
            let port = pushPort.value
            connect += " ws://\(host):\(port) wss://\(host):\(port)"
        }
        return [
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' https: http:", "connect-src \(connect)",
            "frame-src https: http:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
        ].joined(separator: "; ")
    }

    /// The host part of a `Host` header (`name`, `name:port`, `[v6]:port`), when it is a plausible host name or address;
    /// nil otherwise, so a forged header cannot write into the policy.
    static func hostName(_ authority: String?) -> String? {
        guard let authority = PublicAddress.plausibleHost(authority) else { return nil }
        if authority.hasPrefix("[") {
            guard let end = authority.firstIndex(of: "]") else { return nil }
            return String(authority[...end])
        }
        let host = authority.split(separator: ":", omittingEmptySubsequences: false)
        guard host.count <= 2, let name = host.first, !name.isEmpty, !name.contains("[") && !name.contains("]") else { return nil }
        return String(name)
    }

    /// A strong validator of `bytes`: FNV-1a, 64 bits (the files are small and public; this is not a secret).
    static func entityTag(_ bytes: some Sequence<UInt8>) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return "\"\(String(hash, radix: 16))\""
    }
}

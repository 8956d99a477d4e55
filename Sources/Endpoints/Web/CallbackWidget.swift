import HTTPTypes
import Hummingbird

/// The call-me-back widget of issue 20 (README "The call-me-back widget"): `GET /widget/callback.js`, the script a
/// website includes beside an element holding its publishable key, and `GET /widget/demo.html`, a page that shows it.
/// Both are embedded in the binary (Sources/Endpoints/Web), like the web client's files.
///
/// The script talks to the public callback API only (`POST /api/v1/callbacks`, then the status URL), whose CORS answers
/// follow the key's allowed origins; nothing here knows a key or a company.
public struct CallbackWidget: Sendable {
    /// An embedded file as served: its bytes and their entity tag.
    private struct File: Sendable {
        let body: ByteBuffer
        let tag: String

        init(_ bytes: [UInt8]) {
            body = ByteBuffer(bytes: bytes)
            tag = WebClient.entityTag(bytes)
        }
    }

    private let script = File(PackageResources.callback_js)
    private let demo = File(PackageResources.widget_demo_html)

    /// The demo page's policy: its own script, plus its inline one, which reads the page's address and writes only
    /// attribute values and text (a hash would have to change with every edit of the page); inline styles, because the
    /// widget injects its style sheet as any host page would let it; the API anywhere, since `?api=` may name another
    /// server.
    static let demoPolicy = [
        "default-src 'none'", "script-src 'self' 'unsafe-inline'", "style-src 'unsafe-inline'", "connect-src 'self' http: https:",
        "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    public init() {}

    /// Adds `GET /widget/callback.js` and `GET /widget/demo.html` to `router`.
    public func register(on router: Router<some RequestContext>) {
        router.get("/widget/callback.js") { request, _ in
            var headers: HTTPFields = [
                .xContentTypeOptions: "nosniff",
                // Pages of other sites load it: a cross-origin resource policy of `same-site` would make browsers refuse.
                .crossOriginResourcePolicy: "cross-origin",
                // Shared caches may keep it a few minutes; a new binary's script reaches sites within that time.
                .cacheControl: "public, max-age=300",
            ]
            headers[WebClient.referrerPolicy] = "no-referrer"
            return WebClient.serve(script.body, tag: script.tag, type: "text/javascript; charset=utf-8", request: request, headers: headers)
        }
        router.get("/widget/demo.html") { request, _ in
            var headers: HTTPFields = [
                .contentSecurityPolicy: Self.demoPolicy,
                .xContentTypeOptions: "nosniff",
                .cacheControl: "no-cache",
            ]
            // The key rides in the demo's address: it is publishable, but need not travel further.
            headers[WebClient.referrerPolicy] = "no-referrer"
            return WebClient.serve(demo.body, tag: demo.tag, type: "text/html; charset=utf-8", request: request, headers: headers)
        }
    }
}

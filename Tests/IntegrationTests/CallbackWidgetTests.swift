import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import Server

/// The call-me-back widget of `GET /widget/callback.js` (issue 20): how the server serves it, and the widget in headless
/// Chromium on a page of another origin, against the whole server (real ports, the PBX simulator over TCP).
@Suite("Call-me-back widget", .serialized)
struct CallbackWidgetTests {
    /// Sales, served by bob (1002) from the callback device 1999, always open; the agent's phone rings long enough for a
    /// loaded machine to see every status.
    static let group = #"{"name":"Sales","device":"1999","members":[BOB],"hours":[],"noAnswerSeconds":30,"retries":0,"retrySpacingSeconds":5}"#
    /// Outside the group's number rules (national numbers only).
    static let refusedNumber = "+44 20 7946 0000"

    // MARK: Serving

    @Test("GET /widget/callback.js is loadable from other sites, cached briefly and revalidated by ETag; the demo page has a policy")
    func servesTheScriptForOtherSites() async throws {
        try await TWSTestApp.run { client in
            let script = try await client.execute(uri: "/widget/callback.js", method: .get)
            #expect(script.status == .ok)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(script.headers[.crossOriginResourcePolicy] == "cross-origin")
            #expect(script.headers[.cacheControl] == "public, max-age=300")
            #expect(script.headers[.xContentTypeOptions] == "nosniff")
            let tag = try #require(script.headers[.eTag])
            let again = try await client.execute(uri: "/widget/callback.js", method: .get, headers: [.ifNoneMatch: tag])
            #expect(again.status == .notModified && again.body.readableBytes == 0 && again.headers[.eTag] == tag)

            // Server and visitor text reach the page as text only.
            let source = String(buffer: script.body)
            for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
                #expect(!source.contains(sink), "\(sink) in callback.js")
            }

            let demo = try await client.execute(uri: "/widget/demo.html", method: .get)
            #expect(demo.status == .ok && demo.headers[.contentType] == "text/html; charset=utf-8")
            let policy = try #require(demo.headers[.contentSecurityPolicy])
            #expect(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'"), "\(policy)")
            #expect(String(buffer: demo.body).contains(#"<script src="callback.js" async></script>"#))
        }
    }

    // MARK: In the browser

    @Test("In the browser, on another origin's page: keyboard, a refused number, then a callback followed to connected and completed")
    func aVisitorIsCalledBackFromAPageOfAnotherOrigin() async throws {
        try await WidgetPage.run { page in
            try await TelephonyWorld.run(live: true) { world in
                let setup = try await CallbackSetup.make(world, group: Self.group.replacingOccurrences(of: "BOB", with: "\(world.userId("bob"))"))
                let apiPort = try #require(world.client.port)
                // The page is on 127.0.0.1:<pagePort>, the script and the API on localhost:<apiPort>: another origin.
                let key = try await WidgetPage.key(world, origin: page.origin)
                try page.write(
                    """
                    <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
                    <style>button { background: red; font-size: 40px; }</style></head><body>
                    <section id="contact" style="width: 28em; padding: 1em; font-family: sans-serif; background: #fff">
                    <h2 style="margin-top: 0">Questions about your order?</h2>
                    <div data-tws-callback data-key="\(key)" data-target-group="Sales"></div>
                    </section>
                    <script src="http://localhost:\(apiPort)/widget/callback.js" async></script>
                    </body></html>
                    """
                )
                try await HeadlessBrowser.run { browser in
                    try await browser.open("\(page.origin)/shop.html")
                    try await browser.wait("the widget's button", until: "return document.querySelector('.tws-cb-open') !== null;")

                    // The keyboard opens the form into the number field; Escape closes it back onto the button.
                    try await browser.press(WebDriverKey.enter, on: ".tws-cb-open")
                    try await browser.wait("focus in the number field", until: Self.focused(".tws-cb-number"))
                    #expect(
                        try await browser.run("return document.querySelector('.tws-cb-open').getAttribute('aria-expanded');") as? String == "true"
                    )
                    try await browser.press(WebDriverKey.escape, on: ".tws-cb-number")
                    try await browser.wait("focus back on the button", until: Self.focused(".tws-cb-open"))
                    #expect(try await browser.run("return document.querySelector('.tws-cb-form').hidden;") as? Bool == true)
                    // The page's own styles stay out of the widget.
                    let size = try await browser.run("return getComputedStyle(document.querySelector('.tws-cb-open')).fontSize;") as? String
                    #expect(size != "40px")

                    // A refused number: the server's own words, in the status region, and the field marked.
                    let expected = try await setup.world.client.send(
                        .post,
                        "/api/v1/callbacks",
                        json: #"{"number":"\#(Self.refusedNumber)","target":{"group":"Sales"}}"#,
                        headers: [HTTPField.Name("X-API-Key")!: key, .origin: page.origin]
                    )
                    #expect(expected.status == .unprocessableContent, "\(expected.text)")
                    let detail = try #require(try expected.json().string("detail"))
                    try await browser.click(".tws-cb-open")
                    try await browser.type(Self.refusedNumber, into: ".tws-cb-number")
                    try await browser.click(".tws-cb-submit")
                    try await browser.wait(
                        "the refusal",
                        until: "return document.querySelector('.tws-cb-status').textContent === arguments[0];",
                        [detail]
                    )
                    let region =
                        try await browser.run(
                            """
                            const s = document.querySelector('.tws-cb-status');
                            return [s.getAttribute('role'), s.getAttribute('aria-live'),
                                    document.querySelector('.tws-cb-number').getAttribute('aria-invalid')];
                            """
                        ) as? [String]
                    #expect(region == ["status", "polite", "true"])
                    #expect(try await Self.callbacks(setup).isEmpty)

                    // A good number, sent with Enter: the agent's phone rings, then the visitor's, and they talk.
                    try await browser.type(CallbackSetup.visitor, into: ".tws-cb-number")
                    try await browser.type("Jeanne", into: ".tws-cb-name")
                    try await browser.press(WebDriverKey.enter, on: ".tws-cb-number")
                    try await Self.waitStatus(browser, "calling-agent", "Calling our agent…")
                    #expect(try await browser.run("return document.querySelector('.tws-cb-number').hasAttribute('aria-invalid');") as? Bool == false)
                    #expect(try await browser.run("return document.querySelector('.tws-cb-cancel').hidden;") as? Bool == false)
                    #expect(try await browser.text(".tws-cb-summary") == "Call-back to \(CallbackSetup.visitor)")
                    let created = try #require(try await Self.callbacks(setup).first)
                    #expect(created["name"] as? String == "Jeanne" && created["number"] as? String == "+33612345678", "\(created)")
                    try await setup.answer("1002")
                    try await Self.waitStatus(browser, "calling-visitor", "Our agent is calling you now…")
                    try await setup.answer(CallbackSetup.visitorDialled)
                    try await Self.waitStatus(browser, "connected", "Connected")
                    try await browser.saveScreenshot(of: "#contact", as: "callback-widget.png")
                    try await world.simulator.hangUp(device: CallbackSetup.visitorDialled)
                    try await Self.waitStatus(browser, "completed", "Call completed")
                    // Finished: no Cancel, and the button can make another request.
                    let buttons =
                        try await browser.run(
                            "return [document.querySelector('.tws-cb-cancel').hidden, document.querySelector('.tws-cb-open').hidden];"
                        ) as? [Bool]
                    #expect(buttons == [true, false])
                    #expect(try await Self.callbacks(setup).map { $0["status"] as? String } == ["completed"])
                }
            }
        }
    }

    @Test("In the browser: the demo page of an origin that no key lists cannot request a callback")
    func aPageOfAnUnlistedOriginIsRefused() async throws {
        try await TelephonyWorld.run(live: true) { world in
            let setup = try await CallbackSetup.make(world, group: Self.group.replacingOccurrences(of: "BOB", with: "\(world.userId("bob"))"))
            let apiPort = try #require(world.client.port)
            // The demo page on localhost:<apiPort>; the API named as 127.0.0.1:<apiPort>: another origin, which no key
            // lists (the setup's key lists https://shop.example).
            let api = "http://127.0.0.1:\(apiPort)"
            try await HeadlessBrowser.run { browser in
                try await browser.open("http://localhost:\(apiPort)/widget/demo.html?key=\(setup.key)&group=Sales&api=\(api)")
                try await browser.wait("the widget's button", until: "return document.querySelector('.tws-cb-open') !== null;")
                #expect(try await browser.text("#snippet")?.contains(#"data-target-group="Sales""#) == true)
                try await browser.click(".tws-cb-open")
                try await browser.type(CallbackSetup.visitor, into: ".tws-cb-number")
                try await browser.click(".tws-cb-submit")
                try await browser.wait(
                    "the widget's error",
                    until: "return document.querySelector('.tws-cb').dataset.state === 'error';"
                )
                #expect(try await browser.text(".tws-cb-status")?.contains("cannot be reached") == true)
            }
            #expect(try await Self.callbacks(setup).isEmpty)
        }
    }

    // MARK: Helpers

    /// A script that is true when the element matching `selector` has focus.
    static func focused(_ selector: String) -> String {
        "return document.activeElement === document.querySelector('\(selector)');"
    }

    /// Waits until the widget shows `status` with `text` in its status region.
    static func waitStatus(
        _ browser: HeadlessBrowser,
        _ status: String,
        _ text: String,
        sourceLocation: SourceLocation = #_sourceLocation
    )
        async throws
    {
        try await browser.wait(
            "the widget showing \(status)",
            until: """
                const root = document.querySelector('.tws-cb');
                return root.dataset.status === arguments[0] && document.querySelector('.tws-cb-status').textContent === arguments[1];
                """,
            [status, text],
            sourceLocation: sourceLocation
        )
    }

    /// The group's callback requests, newest first.
    static func callbacks(_ setup: CallbackSetup) async throws -> [[String: Any]] {
        try await setup.world.client.must(.get, "/api/v1/admin/callback-groups/\(setup.groupId)/callbacks", token: setup.world.adminToken).items()
    }
}

/// A host page of another origin: a folder served by `LoopbackPageServer` on 127.0.0.1.
struct WidgetPage: Sendable {
    let folder: URL
    let origin: String

    static func run(_ body: (WidgetPage) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tws-widget-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try await LoopbackPageServer.run(folder: folder) { port in
            try await body(WidgetPage(folder: folder, origin: "http://127.0.0.1:\(port)"))
        }
    }

    /// Writes `html` as `shop.html`.
    func write(_ html: String) throws {
        try Data(html.utf8).write(to: folder.appendingPathComponent("shop.html"))
    }

    /// A publishable key of the world's company (which CallbackSetup gave a Portal licence) for pages of `origin`.
    static func key(_ world: TelephonyWorld, origin: String) async throws -> String {
        try await world.client.createKey(
            world.companyId,
            token: world.adminToken,
            scopes: ["callbacks:create"],
            extra: ["name": "Widget", "allowedOrigins": [origin]]
        ).secret
    }
}

/// WebDriver's codes of keys that are not characters (W3C WebDriver, "Keyboard actions").
enum WebDriverKey {
    static let enter = "\u{E007}"
    static let escape = "\u{E00C}"
}

extension HeadlessBrowser {
    /// Sends `keys` to the element matching `selector` as keystrokes (WebDriver Element Send Keys), focusing it and
    /// without clearing it first, so that a button can be pressed from the keyboard.
    func press(_ keys: String, on selector: String) async throws {
        let id = try await element(selector)
        let body = ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: ["text": keys])))
        let request = TestClient.Request(
            "\(session)/element/\(id)/value",
            method: .post,
            authority: "127.0.0.1:\(driverPort)",
            headers: [.contentType: "application/json; charset=utf-8"],
            body: body
        )
        let response = try await TestClient.withClient(host: "127.0.0.1", port: driverPort) { client in try await client.execute(request) }
        guard response.status == .ok else {
            throw BrowserError("keys to \(selector): \(response.status.code) \(response.body.map { String(buffer: $0) } ?? "")")
        }
    }
}

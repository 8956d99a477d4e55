import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// Headless Chromium driven over the W3C WebDriver protocol (HTTP + JSON) by a `chromedriver` this process starts on
/// a free loopback port, with a temporary profile (Debian's `chromium` and `chromium-driver`, installed by `make deps`).
///
/// `HeadlessBrowser.run` stops the browser and the driver whatever the body does, and removes the profile.
///
/// WebDriver is spoken with Hummingbird's test HTTP client (SwiftNIO), one connection per command: Foundation's
/// URLSession on Linux failed to read chromedriver's answers ("Failed writing header").
struct HeadlessBrowser: Sendable {
    /// chromedriver's port on 127.0.0.1.
    let driverPort: Int
    /// `/session/<id>`.
    let session: String

    /// Every wait of a browser test ends by this (the page answers in milliseconds; a loaded machine gets slack).
    static let waitLimit: Duration = .seconds(15)

    static var driverPath: String { ProcessInfo.processInfo.environment["TWS_CHROMEDRIVER"] ?? "/usr/bin/chromedriver" }
    /// The browser itself, not Debian's wrapper script (which reads /etc/chromium.d and adds flags of its own).
    static var browserPath: String {
        if let path = ProcessInfo.processInfo.environment["TWS_CHROMIUM"] { return path }
        return FileManager.default.isExecutableFile(atPath: "/usr/lib/chromium/chromium") ? "/usr/lib/chromium/chromium" : "/usr/bin/chromium"
    }

    /// Starts chromedriver and a browser session, runs `body`, then ends the session, stops the driver (and any browser
    /// process the profile still holds) and removes the temporary folder.
    static func run<Value: Sendable>(_ body: (HeadlessBrowser) async throws -> Value) async throws -> Value {
        guard FileManager.default.isExecutableFile(atPath: driverPath) else {
            Issue.record("\(driverPath) is missing: `make deps` installs Debian's chromium and chromium-driver")
            throw BrowserError("no chromedriver")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tws-browser-\(UUID().uuidString)")
        let profile = folder.appendingPathComponent("profile")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        let (driver, output, port) = try await startDriver(logFolder: folder)
        var browserProcess: Int32?
        var driverPort: Int?
        var sessionPath: String?
        let result: Result<Value, any Error>
        do {
            driverPort = port
            let options: [String: Any] = [
                "binary": browserPath,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)", "--window-size=1280,1000",
                    "--no-first-run", "--disable-dev-shm-usage", "--lang=en-US",
                ],
            ]
            let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options]]]
            let created = try await Self.command(port, .post, "/session", capabilities)
            let value = created as? [String: Any]
            guard let id = value?["sessionId"] as? String else { throw BrowserError("no session in \(String(describing: created))") }
            browserProcess = ((value?["capabilities"] as? [String: Any])?["goog:processID"] as? Int).map(Int32.init)
            sessionPath = "/session/\(id)"
            let browser = HeadlessBrowser(driverPort: port, session: "/session/\(id)")
            result = .success(try await body(browser))
        } catch {
            result = .failure(error)
        }
        if let driverPort, let sessionPath { _ = try? await Self.command(driverPort, .delete, sessionPath, nil) }
        // Ending the session quits the browser; if it could not, its process is stopped by its id. chromedriver does
        // not always end on SIGTERM, so it is killed outright (it holds nothing worth a clean exit).
        if let browserProcess { kill(browserProcess, SIGKILL) }
        kill(driver.processIdentifier, SIGKILL)
        driver.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        return try result.get()
    }

    /// chromedriver on a port of its choosing (port 0: it takes a free one and prints it, so no other process can take
    /// it in between). Started again, up to three times, when it exits before printing its port: in a full parallel
    /// test run it has been seen to stop right after "Starting ChromeDriver … on port 0".
    private static func startDriver(logFolder: URL) async throws -> (Process, Pipe, Int) {
        var attempt = 0
        while true {
            attempt += 1
            let driver = Process()
            driver.executableURL = URL(fileURLWithPath: driverPath)
            driver.arguments = ["--port=0", "--log-path=\(logFolder.appendingPathComponent("chromedriver-\(attempt).log").path)"]
            let output = Pipe()
            let printed = PrintedText()
            output.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                if data.isEmpty { handle.readabilityHandler = nil } else { printed.append(data) }
            }
            driver.standardOutput = output
            driver.standardError = FileHandle.nullDevice
            try driver.run()
            do {
                return (driver, output, try await waitForPort(printed, driver: driver))
            } catch is BrowserError where !driver.isRunning && attempt < 3 {
                output.fileHandleForReading.readabilityHandler = nil
                try await Task.sleep(for: .milliseconds(200))
            } catch {
                kill(driver.processIdentifier, SIGKILL)
                driver.waitUntilExit()
                output.fileHandleForReading.readabilityHandler = nil
                throw error
            }
        }
    }

    private static func waitForPort(_ printed: PrintedText, driver: Process) async throws -> Int {
        let deadline = ContinuousClock.now + waitLimit
        while ContinuousClock.now < deadline {
            // "ChromeDriver was started successfully on port 33907."
            if let range = printed.text.range(of: "started successfully on port ") {
                let digits = printed.text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) { return port }
            }
            guard driver.isRunning else { throw BrowserError("chromedriver exited: \(printed.text)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BrowserError("chromedriver did not start: \(printed.text)")
    }

    // MARK: Commands

    /// One WebDriver command; answers its `value`, or throws the WebDriver error.
    private static func command(_ port: Int, _ method: HTTPRequest.Method, _ path: String, _ body: [String: Any]?) async throws -> Any? {
        var headers: HTTPFields = [:]
        var bytes: ByteBuffer?
        if let body {
            bytes = ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: body)))
            headers[.contentType] = "application/json; charset=utf-8"
        }
        let request = TestClient.Request(path, method: method, authority: "127.0.0.1:\(port)", headers: headers, body: bytes)
        // Navigation waits for the page to load: a loaded machine gets time.
        let response = try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(30))) { client in
            try await client.execute(request)
        }
        let data = response.body.map { Data($0.readableBytesView) } ?? Data()
        let json = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? [String: Any]
        let value = json?["value"]
        if response.status.code >= 400 {
            let error = value as? [String: Any]
            throw BrowserError("\(method) \(path): \(error?["error"] ?? response.status.code) \(error?["message"] ?? "")")
        }
        return value is NSNull ? nil : value
    }

    private func command(_ method: HTTPRequest.Method, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        try await Self.command(driverPort, method, "\(session)/\(path)", body)
    }

    /// Loads `url` and waits for the page to load.
    func open(_ url: String) async throws {
        _ = try await command(.post, "url", ["url": url])
    }

    /// The first element matching the CSS `selector` (its WebDriver reference).
    func element(_ selector: String) async throws -> String {
        let found = try await command(.post, "element", ["using": "css selector", "value": selector]) as? [String: Any]
        guard let id = found?["element-6066-11e4-a52e-4f735466cecf"] as? String else { throw BrowserError("no element \(selector)") }
        return id
    }

    /// Types `text` into the element matching `selector` (after clearing it).
    func type(_ text: String, into selector: String) async throws {
        let id = try await element(selector)
        _ = try await command(.post, "element/\(id)/clear", [:])
        _ = try await command(.post, "element/\(id)/value", ["text": text])
    }

    /// Clicks the element matching `selector`, as a user would (it must be visible and enabled).
    func click(_ selector: String) async throws {
        let id = try await element(selector)
        _ = try await command(.post, "element/\(id)/click", [:])
    }

    /// Runs `script` (a function body; `arguments[0]`… are `arguments`) in the page and answers its result.
    @discardableResult
    func run(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        try await command(.post, "execute/sync", ["script": script, "args": arguments])
    }

    /// `textContent` of the element matching `selector`, or nil when there is none.
    func text(_ selector: String) async throws -> String? {
        try await run("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", [selector]) as? String
    }

    /// Waits until `script` (a function body) returns true in the page, failing after `waitLimit`.
    func wait(
        _ what: String,
        until script: String,
        _ arguments: [Any] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let deadline = ContinuousClock.now + Self.waitLimit
        while ContinuousClock.now < deadline {
            if try await run(script, arguments) as? Bool == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        let state = (try? await run("return document.body.innerText.slice(0, 2000);")) as? String ?? ""
        Issue.record("timed out waiting for \(what); the page shows:\n\(state)", sourceLocation: sourceLocation)
        throw BrowserError("timed out waiting for \(what)")
    }

    /// A PNG of the element matching `selector`.
    func screenshot(of selector: String) async throws -> Data {
        let id = try await element(selector)
        guard let base64 = try await command(.get, "element/\(id)/screenshot") as? String, let png = Data(base64Encoded: base64) else {
            throw BrowserError("no screenshot of \(selector)")
        }
        return png
    }

    /// Saves a PNG of `selector` as `name` in `$TWS_SCREENSHOT_DIR`, when that variable is set (README screenshots).
    func saveScreenshot(of selector: String, as name: String) async throws {
        guard let directory = ProcessInfo.processInfo.environment["TWS_SCREENSHOT_DIR"], !directory.isEmpty else { return }
        let png = try await screenshot(of: selector)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try png.write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
    }
}

/// A WebDriver or browser start-up failure.
struct BrowserError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What chromedriver printed so far (its start-up line names its port).
private final class PrintedText: Sendable {
    private let buffer = Mutex("")

    var text: String { buffer.withLock { $0 } }

    func append(_ data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        buffer.withLock { $0 += text }
    }
}

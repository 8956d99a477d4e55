import Foundation
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// scripts/webhook_receiver.py run by a test (issue 19): a real HTTP receiver on loopback that records each request as
/// a JSON line, with its own verdict on the signature (Python's `hmac`, not the server's code). "Down" is the process
/// stopped; `restart()` brings it back on the same port, which is held meanwhile by a socket bound without listening
/// (connections are refused as by a stopped receiver, and no other test's server is given the port).
final class WebhookReceiver: Sendable {
    /// The secret every subscription of these tests is created with, so the receiver can check signatures.
    static let secret = "receiver-secret-0123456789abcdef"

    let out: URL
    let port: Int
    private let process: Mutex<Process?>
    /// While stopped: the socket holding the port.
    private let placeholder = Mutex<SilentListener?>(nil)

    private init(out: URL, port: Int, process: Process) {
        self.out = out
        self.port = port
        self.process = Mutex(process)
    }

    /// The repository's scripts folder.
    static var script: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/webhook_receiver.py")
    }

    /// Starts a receiver on a port of its choosing (it prints it).
    static func start(mode: String = "ok") throws -> WebhookReceiver {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("webhooks-\(UUID().uuidString.prefix(8)).jsonl")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        let (process, port) = try launch(out: out, port: 0, mode: mode)
        return WebhookReceiver(out: out, port: port, process: process)
    }

    private static func launch(out: URL, port: Int, mode: String) throws -> (Process, Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--out", out.path, "--secret", secret, "--port", String(port), "--mode", mode]
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        // The first line is the port, printed once the socket listens.
        var text = ""
        while !text.contains("\n") {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let listening = try #require(Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), "the receiver printed \(text)")
        return (process, listening)
    }

    /// The URL a subscription posts to; `path` tells subscriptions apart.
    func url(_ path: String = "/hook") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Stops the process (the receiver is down: connections are refused).
    func stop() {
        guard let running = process.withLock({ process in defer { process = nil }; return process }) else { return }
        // SIGKILL: a test runner may leave SIGTERM ignored, and children inherit that.
        kill(running.processIdentifier, SIGKILL)
        running.waitUntilExit()
        // Nil if the port could not be held: the restart then finds out whether it is free.
        let held = try? SilentListener(port: port, listening: false)
        placeholder.withLock { $0 = held }
    }

    private func release() {
        placeholder.withLock { held in defer { held = nil }; return held }?.close()
    }

    /// Starts it again on the same port, recording to the same file.
    func restart(mode: String = "ok") throws {
        stop()
        release()
        let (process, _) = try Self.launch(out: out, port: port, mode: mode)
        self.process.withLock { $0 = process }
    }

    /// Changes how it answers: `ok`, `500`, `slow N`.
    func setMode(_ mode: String) async throws {
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)/__mode")))
        request.httpMethod = "PUT"
        request.httpBody = Data(mode.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 204)
    }

    /// Every request received so far, in arrival order.
    func records() -> [WebhookRecord] {
        guard let text = try? String(contentsOf: out, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return WebhookRecord(object)
        }
    }

    deinit {
        if let running = process.withLock({ $0 }), running.isRunning { kill(running.processIdentifier, SIGKILL) }
        release()
        try? FileManager.default.removeItem(at: out)
    }
}

/// One request as the receiver recorded it.
struct WebhookRecord: Sendable {
    var path: String
    var headers: [String: String]
    /// The receiver's verdict: valid, invalid, missing or stale.
    var signature: String
    var answered: Int
    var receivedAt: Double
    /// The body's members.
    var id: String
    var kind: String
    var seq: Int64?
    var companyId: Int64?
    var domainId: Int64?
    /// `data` as JSON text (re-encoded).
    var dataEvent: String?
    var dataDevice: String?
    var dataUserId: Int64?
    /// `data.status` and `data.id` (callback deliveries).
    var dataStatus: String?
    var dataId: String?

    init?(_ object: [String: Any]) {
        guard let body = object["body"] as? String,
            let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        else { return nil }
        path = object["path"] as? String ?? ""
        headers = (object["headers"] as? [String: String]) ?? [:]
        signature = object["signature"] as? String ?? ""
        answered = (object["answered"] as? NSNumber)?.intValue ?? 0
        receivedAt = (object["receivedAt"] as? NSNumber)?.doubleValue ?? 0
        id = json["id"] as? String ?? ""
        kind = json["kind"] as? String ?? ""
        seq = (json["seq"] as? NSNumber)?.int64Value
        companyId = (json["companyId"] as? NSNumber)?.int64Value
        domainId = (json["domainId"] as? NSNumber)?.int64Value
        let data = json["data"] as? [String: Any] ?? [:]
        dataEvent = data["event"] as? String
        dataDevice = data["device"] as? String
        dataUserId = (data["userId"] as? NSNumber)?.int64Value
        dataStatus = data["status"] as? String
        dataId = data["id"] as? String
    }

    /// `TWS-Webhook-Id` (header names as Python's http.server keeps them).
    var deliveryId: String? { headers.first { $0.key.lowercased() == "tws-webhook-id" }?.value }
}

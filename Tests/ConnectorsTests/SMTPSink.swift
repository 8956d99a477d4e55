import Foundation

/// The SMTP server of the tests (issue 20): scripts/smtp_sink.py on Debian's python3-aiosmtpd, on loopback, writing
/// each accepted message to a file read back here. Shared by ConnectorsTests and IntegrationTests (symlinked there).
final class SMTPSink: Sendable {
    let process: Process
    let port: Int
    let out: URL

    /// Starts the sink with `arguments` (`--user`, `--cert`, `--mode` …) on `port` (0: a free one), writing to `out`.
    init(_ arguments: [String] = [], port: Int = 0, out: URL? = nil) throws {
        let python = "/usr/bin/python3"
        let check = try? Process.run(URL(fileURLWithPath: python), arguments: ["-c", "import aiosmtpd"])
        check?.waitUntilExit()
        guard FileManager.default.isExecutableFile(atPath: python), check?.terminationStatus == 0 else { throw SMTPSinkError("the SMTP sink needs /usr/bin/python3 with python3-aiosmtpd: run `make test` (it installs it)") }
        self.out = out ?? FileManager.default.temporaryDirectory.appendingPathComponent("smtp-\(UUID().uuidString.prefix(8)).jsonl")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [packageRoot.appendingPathComponent("scripts/smtp_sink.py").path, "--out", self.out.path, "--port", String(port)] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let line = String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let port = Int(line) else { kill(process.processIdentifier, SIGKILL); throw SMTPSinkError("the SMTP sink did not start: \(line)") }
        self.port = port
    }

    func stop() {
        // SIGKILL: a test runner may leave SIGTERM ignored or blocked, and children inherit that.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Each accepted message: envelope, data, whether it came over TLS, the AUTH login.
    func received() -> [[String: Any]] {
        guard let text = try? String(contentsOf: out, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// The decoded text of each base64 part of a received message, by content type.
    static func parts(_ data: String) -> [String: String] {
        var parts: [String: String] = [:]
        for chunk in data.components(separatedBy: "Content-Type: ").dropFirst() {
            let type = String(chunk.prefix { $0 != ";" })
            guard let body = chunk.components(separatedBy: "\r\n\r\n").dropFirst().first?.components(separatedBy: "\r\n--").first,
                let decoded = Data(base64Encoded: body.replacingOccurrences(of: "\r\n", with: ""))
            else { continue }
            parts[type] = String(decoding: decoded, as: UTF8.self)
        }
        return parts
    }
}

/// The sink could not start.
struct SMTPSinkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

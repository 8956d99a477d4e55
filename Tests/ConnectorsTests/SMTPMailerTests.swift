import Connectors
import Domain
import Foundation
import Testing

/// The SMTP connector (issue 20) against a real SMTP server started by the tests: scripts/smtp_sink.py on Debian's
/// python3-aiosmtpd, on loopback. What the sink received is read back and decoded independently of the connector.
@Suite("SMTP mailer", .serialized)
struct SMTPMailerTests {
    /// A running sink and the file it writes each accepted message to.
    final class Sink: Sendable {
        let process: Process
        let port: Int
        let out: URL

        init(_ arguments: [String] = [], port: Int = 0, out: URL? = nil) throws {
            let python = "/usr/bin/python3"
            guard FileManager.default.isExecutableFile(atPath: python),
                (try? Process.run(URL(fileURLWithPath: python), arguments: ["-c", "import aiosmtpd"]))?.waitAndStatus() == 0
            else { throw TestServiceError("the SMTP sink needs /usr/bin/python3 with python3-aiosmtpd: run `make test` (it installs it)") }
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
            guard let port = Int(line) else { kill(process.processIdentifier, SIGKILL); throw TestServiceError("the SMTP sink did not start: \(line)") }
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
    }

    static func message(to: String = "alice@example.org") -> MailMessage {
        MailMessage(
            from: MailAddress("tws@example.org", name: "Téléphonie TWS")!,
            to: [MailAddress(to, name: "Alice Martin")!],
            subject: "Appel manqué de Zoë Lefèvre",
            text: "Zoë Lefèvre (0612345678) a appelé à 14:05.\nRappeler : https://tws.example.org/cb/abc",
            html: "<p>Zoë Lefèvre (0612345678) a appelé à 14:05.</p><p><a href=\"https://tws.example.org/cb/abc\">Rappeler</a></p>",
            messageId: "missed-42@tws.example.org",
            date: Date(timeIntervalSince1970: 1_796_400_000)
        )
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

    @Test func aMessageArrivesWithTextAndHTMLAndEncodedHeaders() async throws {
        let sink = try Sink()
        defer { sink.stop() }
        try await SMTPMailer(settings: .init(host: "127.0.0.1", port: sink.port, tls: .whenOffered)).send(Self.message())
        let received = try #require(sink.received().first)
        #expect(received["from"] as? String == "tws@example.org")
        #expect(received["to"] as? [String] == ["alice@example.org"])
        let data = try #require(received["data"] as? String)
        #expect(data.contains("Subject: =?UTF-8?B?\(Data("Appel manqué de Zoë Lefèvre".utf8).base64EncodedString())?="))
        #expect(data.contains("Message-ID: <missed-42@tws.example.org>") && data.contains("Date: Fri, 04 Dec 2026"))
        #expect(data.contains("multipart/alternative"))
        let parts = Self.parts(data)
        #expect(parts["text/plain"] == Self.message().text)
        #expect(parts["text/html"] == Self.message().html)
        #expect(received["tls"] as? Bool == false)
    }

    @Test func authAndSTARTTLSWithTheAccountOfTheSettings() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let openssl = try Process.run(
            URL(fileURLWithPath: "/usr/bin/openssl"),
            arguments: ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"]
        )
        #expect(openssl.waitAndStatus() == 0)
        let sink = try Sink(["--user", "mailer", "--password", "s3cret-smtp", "--cert", cert, "--key", key, "--require-tls"])
        defer { sink.stop() }
        var settings = SMTPMailer.Settings(host: "127.0.0.1", port: sink.port, tls: .required, username: "mailer", password: "s3cret-smtp", caFile: cert)
        try await SMTPMailer(settings: settings).send(Self.message())
        let received = try #require(sink.received().first)
        #expect(received["tls"] as? Bool == true && received["login"] as? String == "mailer")

        // Without STARTTLS the sink refuses (it requires TLS): a refusal for good, with the server's code.
        settings.tls = .none
        let plain = await #expect(throws: MailSendError.self) { try await SMTPMailer(settings: settings).send(Self.message()) }
        #expect(plain?.transient == false && plain?.smtpCode == 530, "\(String(describing: plain))")
        // A certificate nobody vouches for is refused before anything is sent.
        settings.tls = .required
        settings.caFile = nil
        let untrusted = await #expect(throws: MailSendError.self) { try await SMTPMailer(settings: settings).send(Self.message()) }
        #expect(untrusted?.transient == true)
        #expect(sink.received().count == 1)
    }

    @Test func aServerThatIsDownOrRefusesSaysWhetherToTryAgain() async throws {
        let sink = try Sink()
        let port = sink.port
        sink.stop()
        let settings = SMTPMailer.Settings(host: "127.0.0.1", port: port, tls: .whenOffered, timeout: .seconds(5))
        let down = await #expect(throws: MailSendError.self) { try await SMTPMailer(settings: settings).send(Self.message()) }
        #expect(down?.transient == true && down?.smtpCode == nil, "\(String(describing: down))")

        let refusing = try Sink(["--mode", "reject"], port: port)
        defer { refusing.stop() }
        let refused = await #expect(throws: MailSendError.self) { try await SMTPMailer(settings: settings).send(Self.message()) }
        #expect(refused?.transient == false && refused?.smtpCode == 550, "\(String(describing: refused))")
    }

    @Test func addressesThatWouldChangeTheEnvelopeOrHeadersAreNotAddresses() {
        for bad in ["", "alice", "alice@", "@example.org", "a b@example.org", "a@example.org\r\nRCPT TO:<x@y>", "<a@example.org>", "a@b@c"] {
            #expect(MailAddress(bad) == nil, "\(bad)")
        }
        #expect(MailAddress("alice.martin+tws@example.org") != nil)
    }
}

extension Process {
    /// Waits and answers the exit status.
    func waitAndStatus() -> Int32 {
        waitUntilExit()
        return terminationStatus
    }
}

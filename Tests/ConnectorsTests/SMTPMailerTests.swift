import Connectors
import Domain
import Foundation
import Testing

/// The SMTP connector (issue 20) against a real SMTP server started by the tests: scripts/smtp_sink.py on Debian's
/// python3-aiosmtpd, on loopback. What the sink received is read back and decoded independently of the connector.
@Suite("SMTP mailer", .serialized)
struct SMTPMailerTests {
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

    @Test func aMessageArrivesWithTextAndHTMLAndEncodedHeaders() async throws {
        let sink = try SMTPSink()
        defer { sink.stop() }
        try await SMTPMailer(settings: .init(host: "127.0.0.1", port: sink.port, tls: .whenOffered)).send(Self.message())
        let received = try #require(sink.received().first)
        #expect(received["from"] as? String == "tws@example.org")
        #expect(received["to"] as? [String] == ["alice@example.org"])
        let data = try #require(received["data"] as? String)
        #expect(data.contains("Subject: =?UTF-8?B?\(Data("Appel manqué de Zoë Lefèvre".utf8).base64EncodedString())?="))
        #expect(data.contains("Message-ID: <missed-42@tws.example.org>") && data.contains("Date: Fri, 04 Dec 2026"))
        #expect(data.contains("multipart/alternative"))
        let parts = SMTPSink.parts(data)
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
        let sink = try SMTPSink(["--user", "mailer", "--password", "s3cret-smtp", "--cert", cert, "--key", key, "--require-tls"])
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
        let sink = try SMTPSink()
        let port = sink.port
        sink.stop()
        let settings = SMTPMailer.Settings(host: "127.0.0.1", port: port, tls: .whenOffered, timeout: .seconds(5))
        let down = await #expect(throws: MailSendError.self) { try await SMTPMailer(settings: settings).send(Self.message()) }
        #expect(down?.transient == true && down?.smtpCode == nil, "\(String(describing: down))")

        let refusing = try SMTPSink(["--mode", "reject"], port: port)
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

import CCurl
import Domain
import Foundation
import NIOPosix

/// Sends e-mail over SMTP with libcurl (issue 20): STARTTLS when offered or required, AUTH when a user name is set,
/// a bound on the whole exchange. libcurl's call blocks, so it runs on NIO's thread pool, never on a cooperative thread.
public struct SMTPMailer: MailSender {
    public enum TLS: Int32, Sendable {
        case none = 0
        case whenOffered = 1
        case required = 2
        case implicit = 3
    }

    /// Where and how to reach the SMTP server (admin guide 9.1.5: `smtp`, `SmtServerPort`, `SmtAuthUserName`,
    /// `SmtAuthPassword`).
    public struct Settings: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var tls: TLS
        public var username: String?
        public var password: String?
        /// The CA bundle that signs the server's certificate; nil: the system's.
        public var caFile: String?
        /// False only for a test sink with a self-signed certificate.
        public var verifyCertificate: Bool
        public var timeout: Duration

        public init(
            host: String,
            port: Int = 25,
            tls: TLS = .whenOffered,
            username: String? = nil,
            password: String? = nil,
            caFile: String? = nil,
            verifyCertificate: Bool = true,
            timeout: Duration = .seconds(30)
        ) {
            self.host = host
            self.port = port
            self.tls = tls
            self.username = username
            self.password = password
            self.caFile = caFile
            self.verifyCertificate = verifyCertificate
            self.timeout = timeout
        }
    }

    public let settings: Settings

    public init(settings: Settings) { self.settings = settings }

    public func send(_ message: MailMessage) async throws(MailSendError) {
        let data = Self.render(message)
        let settings = settings
        let recipients = message.to.map(\.address)
        let from = message.from.address
        let outcome: (code: Int32, smtp: Int, reason: String)
        do {
            outcome = try await NIOThreadPool.singleton.runIfActive {
                Self.deliver(settings: settings, from: from, recipients: recipients, data: data)
            }
        } catch {
            throw MailSendError(reason: "the mail thread pool has stopped", smtpCode: nil, transient: true)
        }
        guard outcome.code != 0 else { return }
        let smtp = outcome.smtp > 0 ? outcome.smtp : nil
        // 5xx: the server refused for good (an address, the message, the credentials); anything else may pass later.
        throw MailSendError(reason: outcome.reason, smtpCode: smtp, transient: !(500...599).contains(smtp ?? 0))
    }

    private static func deliver(settings: Settings, from: String, recipients: [String], data: [UInt8]) -> (Int32, Int, String) {
        var smtpCode = 0
        var error = [CChar](repeating: 0, count: 512)
        let milliseconds = settings.timeout.components.seconds * 1000 + settings.timeout.components.attoseconds / 1_000_000_000_000_000
        let pointers = recipients.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        let code: Int32 = pointers.map { UnsafePointer($0) }.withUnsafeBufferPointer { list in
            data.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { message in
                    tws_smtp_send(
                        settings.host,
                        Int32(settings.port),
                        settings.tls.rawValue,
                        settings.username,
                        settings.password,
                        settings.caFile,
                        settings.verifyCertificate ? 1 : 0,
                        from,
                        list.baseAddress,
                        list.count,
                        message.baseAddress,
                        message.count,
                        Int(milliseconds),
                        &smtpCode,
                        &error,
                        error.count
                    )
                }
            }
        }
        let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (code, smtpCode, reason)
    }

    // MARK: The message

    /// The message as sent: headers (non-ASCII words encoded, RFC 2047), and a text part, or text and HTML as
    /// `multipart/alternative`, each in base64 with CRLF line ends.
    public static func render(_ message: MailMessage) -> [UInt8] {
        var lines = [
            "From: \(mailbox(message.from))",
            "To: \(message.to.map(mailbox).joined(separator: ", "))",
            "Subject: \(encodedWord(message.subject))",
            "Date: \(rfc5322Date(message.date))",
            "Message-ID: <\(message.messageId)>",
            "MIME-Version: 1.0",
        ]
        if let html = message.html {
            let boundary = "tws-\(message.messageId.filter { $0.isLetter || $0.isNumber })"
            lines.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            lines.append("")
            lines.append("--\(boundary)")
            lines.append(contentsOf: part("text/plain", message.text))
            lines.append("--\(boundary)")
            lines.append(contentsOf: part("text/html", html))
            lines.append("--\(boundary)--")
        } else {
            lines.append(contentsOf: part("text/plain", message.text))
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    private static func part(_ type: String, _ content: String) -> [String] {
        let encoded = Data(content.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return ["Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", "", encoded]
    }

    private static func mailbox(_ address: MailAddress) -> String {
        guard let name = address.name, !name.isEmpty else { return address.address }
        return "\(encodedWord(name)) <\(address.address)>"
    }

    /// `text` as is when it is plain printable ASCII, else as one RFC 2047 encoded word (UTF-8, base64); line breaks
    /// never reach a header.
    static func encodedWord(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if flat.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7f }) && !flat.contains("=?") { return flat }
        return "=?UTF-8?B?\(Data(flat.utf8).base64EncodedString())?="
    }

    private static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}

/// The mail outbox's transport (issue 20): each message through the SMTP server of its recipient's parameters.
public struct SMTPMailTransport: MailTransport {
    /// The bound on one SMTP exchange.
    public var timeout: Duration

    public init(timeout: Duration = .seconds(30)) { self.timeout = timeout }

    public func send(_ message: MailMessage, via server: MailServer) async throws(MailSendError) {
        let tls: SMTPMailer.TLS =
            switch server.security {
            case .starttls: .whenOffered
            case .starttlsRequired: .required
            case .tls: .implicit
            case .none: .none
            }
        let settings = SMTPMailer.Settings(
            host: server.host,
            port: server.port,
            tls: tls,
            username: server.username,
            password: server.password,
            caFile: server.caFile,
            verifyCertificate: server.verifyCertificate,
            timeout: timeout
        )
        try await SMTPMailer(settings: settings).send(message)
    }
}

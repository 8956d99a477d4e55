import Foundation

/// An e-mail the server sends (missed-call notifications, issue 20): one sender, recipients, a subject, and the same
/// content as plain text and as HTML.
public struct MailMessage: Sendable, Equatable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var subject: String
    public var text: String
    public var html: String?
    /// `Message-ID` without the angle brackets: unique per message, so a receiver can tell a resend.
    public var messageId: String
    public var date: Date

    public init(from: MailAddress, to: [MailAddress], subject: String, text: String, html: String? = nil, messageId: String, date: Date) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.messageId = messageId
        self.date = date
    }
}

/// A mailbox: an address and an optional display name.
public struct MailAddress: Sendable, Equatable {
    public var address: String
    public var name: String?

    /// Nil unless `address` is one plain `local@domain` (no spaces, brackets, quotes or line breaks that could change
    /// the SMTP envelope or the headers).
    public init?(_ address: String, name: String? = nil) {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, address.utf8.count <= 254,
            address.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f && !"<>()[]\\,;:\"".unicodeScalars.contains($0) })
        else { return nil }
        self.address = address
        self.name = name
    }
}

/// Where e-mails go (the SMTP connector implements it).
public protocol MailSender: Sendable {
    /// Sends `message`; throws `MailSendError` when the server did not take it.
    func send(_ message: MailMessage) async throws(MailSendError)
}

/// Why an e-mail was not sent: the reason as the SMTP server or the connection gave it, and whether trying again later
/// may help (a connection failure or a 4xx answer) or not (a 5xx answer: the address or the message was refused).
public struct MailSendError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var smtpCode: Int?
    public var transient: Bool

    public init(reason: String, smtpCode: Int?, transient: Bool) {
        self.reason = reason
        self.smtpCode = smtpCode
        self.transient = transient
    }

    public var description: String { smtpCode.map { "SMTP \($0): \(reason)" } ?? reason }
}

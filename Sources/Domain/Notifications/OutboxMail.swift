import Foundation

/// One e-mail in the outbox (issue 20): written with the event that causes it (a missed call: in the call-log line's
/// transaction), sent by the `MailDispatcher` until the SMTP server takes it (`sent`), refuses it for good or the retry
/// window ends (`dead`). The message is fixed when it is written: a retry sends the same message (same `Message-ID`).
public struct OutboxMail: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        case pending, sent, dead
    }

    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    /// The recipient user: whose SMTP parameters the mail is sent with.
    public var userId: Int64
    public var message: MailMessage
    public var status: Status
    public var attemptCount: Int
    public var createdAt: Date
    /// When the next attempt is due (nil: at once).
    public var nextAttemptAt: Date?
    /// The last failure (SMTP code and text, or the connection's), for the logs and the dead reason.
    public var lastError: String?
    public var sentAt: Date?

    public init(
        id: Int64? = nil,
        companyId: Int64,
        domainId: Int64,
        userId: Int64,
        message: MailMessage,
        status: Status = .pending,
        attemptCount: Int = 0,
        createdAt: Date,
        nextAttemptAt: Date? = nil,
        lastError: String? = nil,
        sentAt: Date? = nil
    ) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.userId = userId
        self.message = message
        self.status = status
        self.attemptCount = attemptCount
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.sentAt = sentAt
    }

    /// When it is due: its next attempt, or its creation.
    public var due: Date { nextAttemptAt ?? createdAt }
}

/// A missed-call e-mail and the call-back link it carries, written together.
public struct MissedCallMailRow: Sendable, Equatable {
    public var mail: OutboxMail
    /// The link the mail carries (none in a voicemail mail of a user without a voicemail number).
    public var link: CallBackLink?

    public init(mail: OutboxMail, link: CallBackLink?) {
        self.mail = mail
        self.link = link
    }
}

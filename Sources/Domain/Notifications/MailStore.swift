import Foundation

/// Where notification settings, the mail outbox and call-back links are kept (Storage implements it); each method is
/// one transaction.
public protocol MailStore: Sendable {
    /// Whether the user turned missed-call e-mails on (false when never set).
    func missedCallEmail(userId: Int64) async throws -> Bool
    /// Sets the user's e-mail switches in one transaction; a nil one keeps its value (off when never set).
    func setEmailNotifications(userId: Int64, companyId: Int64, missedCall: Bool?, voicemail: Bool?) async throws
    /// Those of `userIds` who turned missed-call e-mails on.
    func usersWithMissedCallEmail(_ userIds: [Int64]) async throws -> Set<Int64>
    /// Whether the user turned new-voicemail e-mails on (false when never set).
    func voicemailEmail(userId: Int64) async throws -> Bool
    /// Those of `userIds` who turned new-voicemail e-mails on.
    func usersWithVoicemailEmail(_ userIds: [Int64]) async throws -> Set<Int64>
    /// Adds mails with their links (outside a call-log write: tests, and anything that is not a call).
    func insertMissedCallMails(_ rows: [MissedCallMailRow]) async throws -> [OutboxMail]
    /// Up to `limit` pending mails due by `time`, oldest first.
    func dueMails(by time: Date, limit: Int) async throws -> [OutboxMail]
    /// When the earliest pending mail is due (nil when none waits); in the past when one already is.
    func nextMailDue() async throws -> Date?
    /// Saves a mail's new state (sent, retry planned, dead).
    func saveMail(_ mail: OutboxMail) async throws
    /// Makes the pending mails `ids` due at `time`, their attempts untouched (the mails of a server that just failed).
    func postponeMails(_ ids: [Int64], until time: Date) async throws
    func mail(id: Int64) async throws -> OutboxMail?
    func pendingMailCount() async throws -> Int
    /// Deletes up to `limit` sent or dead mails created before `cutoff`, and links that expired before it; answers
    /// how many mails it deleted. Pending mails are never deleted here.
    func deleteFinishedMails(createdBefore cutoff: Date, limit: Int) async throws -> Int
    /// In one transaction: reads the link, lets `check` refuse it (by throwing), then marks it used at `time`. Nil when
    /// no link has this id.
    func claimCallBackLink(id: String, at time: Date, _ check: @escaping @Sendable (CallBackLink) throws -> Void) async throws -> CallBackLink?
    /// Makes a claimed link usable again (the call could not be placed).
    func releaseCallBackLink(id: String) async throws
}

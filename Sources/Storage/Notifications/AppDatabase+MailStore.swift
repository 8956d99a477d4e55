import Domain
import Foundation
import GRDB

/// Notification settings, the mail outbox and call-back links (issue 20): tables `notification_setting`,
/// `mail_outbox`, `call_back_link`. Reads run on the caller's thread (`readDatabase`), never GRDB's async read.
extension AppDatabase: MailStore {
    public func missedCallEmail(userId: Int64) async throws -> Bool {
        try readDatabase { db in try NotificationSettingRow.fetchOne(db, key: userId)?.missedCallEmail ?? false }
    }

    public func setEmailNotifications(userId: Int64, companyId: Int64, missedCall: Bool?, voicemail: Bool?) async throws {
        try await writer.write { db in
            try GRDBTransaction(db: db).translate {
                var row = try NotificationSettingRow.fetchOne(db, key: userId)
                    ?? NotificationSettingRow(userId: userId, companyId: companyId, missedCallEmail: false, voicemailEmail: false)
                if let missedCall { row.missedCallEmail = missedCall }
                if let voicemail { row.voicemailEmail = voicemail }
                try row.save(db)
            }
        }
    }

    public func usersWithMissedCallEmail(_ userIds: [Int64]) async throws -> Set<Int64> {
        try users(userIds, with: "missedCallEmail")
    }

    public func voicemailEmail(userId: Int64) async throws -> Bool {
        try readDatabase { db in try NotificationSettingRow.fetchOne(db, key: userId)?.voicemailEmail ?? false }
    }


    public func usersWithVoicemailEmail(_ userIds: [Int64]) async throws -> Set<Int64> {
        try users(userIds, with: "voicemailEmail")
    }

    private func users(_ userIds: [Int64], with column: String) throws -> Set<Int64> {
        guard !userIds.isEmpty else { return [] }
        return try readDatabase { db in
            Set(try NotificationSettingRow.filter(userIds.contains(Column("userId")) && Column(column) == true).fetchAll(db).map(\.userId))
        }
    }

    public func insertMissedCallMails(_ rows: [MissedCallMailRow]) async throws -> [OutboxMail] {
        try await writer.write { db in try Self.insert(rows, db) }
    }

    /// Inserts mails and their links (also inside the call-log transaction); answers the mails with their ids.
    static func insert(_ rows: [MissedCallMailRow], _ db: Database) throws -> [OutboxMail] {
        try rows.map { row in
            if let link = row.link { try CallBackLinkRow(link).insert(db) }
            var mail = MailOutboxRow(row.mail)
            try mail.insert(db)
            return mail.mail
        }
    }

    public func dueMails(by time: Date, limit: Int) async throws -> [OutboxMail] {
        try readDatabase { db in
            try MailOutboxRow.filter(Column("status") == OutboxMail.Status.pending.rawValue && Column("dueAt") <= time)
                .order(Column("id")).limit(limit).fetchAll(db).map(\.mail)
        }
    }

    public func nextMailDue() async throws -> Date? {
        try readDatabase { db in
            try Date.fetchOne(
                db,
                sql: "SELECT MIN(dueAt) FROM mail_outbox WHERE status = ?",
                arguments: [OutboxMail.Status.pending.rawValue]
            )
        }
    }

    public func saveMail(_ mail: OutboxMail) async throws {
        try await writer.write { db in try GRDBTransaction(db: db).translate { try MailOutboxRow(mail).update(db) } }
    }

    public func postponeMails(_ ids: [Int64], until time: Date) async throws {
        guard !ids.isEmpty else { return }
        try await writer.write { db in
            try MailOutboxRow.filter(ids.contains(Column("id")) && Column("status") == OutboxMail.Status.pending.rawValue)
                .updateAll(db, Column("dueAt").set(to: time))
        }
    }

    public func mail(id: Int64) async throws -> OutboxMail? {
        try readDatabase { db in try MailOutboxRow.fetchOne(db, key: id)?.mail }
    }

    public func pendingMailCount() async throws -> Int {
        try readDatabase { db in try MailOutboxRow.filter(Column("status") == OutboxMail.Status.pending.rawValue).fetchCount(db) }
    }

    public func deleteFinishedMails(createdBefore cutoff: Date, limit: Int) async throws -> Int {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM call_back_link WHERE expiresAt < ?", arguments: [cutoff])
            try db.execute(
                sql: """
                    DELETE FROM mail_outbox WHERE id IN (
                        SELECT id FROM mail_outbox WHERE status != 'pending' AND createdAt < ? ORDER BY id LIMIT ?)
                    """,
                arguments: [cutoff, limit]
            )
            return db.changesCount
        }
    }

    public func claimCallBackLink(id: String, at time: Date, _ check: @escaping @Sendable (CallBackLink) throws -> Void) async throws -> CallBackLink? {
        try await writer.write { db in
            guard var row = try CallBackLinkRow.fetchOne(db, key: id) else { return nil }
            try check(row.link)
            row.usedAt = time
            try row.update(db)
            return row.link
        }
    }

    public func releaseCallBackLink(id: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE call_back_link SET usedAt = NULL WHERE id = ?", arguments: [id])
        }
    }
}

/// Whether a user wants missed-call and new-voicemail e-mails.
struct NotificationSettingRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "notification_setting"
    var userId: Int64
    var companyId: Int64
    var missedCallEmail: Bool
    var voicemailEmail: Bool
}

/// A mail as stored: the message in columns, `dueAt` the creation then the next attempt.
struct MailOutboxRow: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "mail_outbox"
    var id: Int64?
    var companyId: Int64
    var domainId: Int64
    var userId: Int64
    var fromAddress: String
    var fromName: String?
    var toAddress: String
    var toName: String?
    var subject: String
    var textBody: String
    var htmlBody: String?
    var messageId: String
    var status: String
    var attemptCount: Int
    var createdAt: Date
    var dueAt: Date
    var lastError: String?
    var sentAt: Date?

    init(_ mail: OutboxMail) {
        id = mail.id
        companyId = mail.companyId
        domainId = mail.domainId
        userId = mail.userId
        fromAddress = mail.message.from.address
        fromName = mail.message.from.name
        // One recipient per mail (the user the missed call was for).
        toAddress = mail.message.to.first?.address ?? ""
        toName = mail.message.to.first?.name
        subject = mail.message.subject
        textBody = mail.message.text
        htmlBody = mail.message.html
        messageId = mail.message.messageId
        status = mail.status.rawValue
        attemptCount = mail.attemptCount
        createdAt = mail.createdAt
        dueAt = mail.due
        lastError = mail.lastError
        sentAt = mail.sentAt
    }

    var mail: OutboxMail {
        let message = MailMessage(
            from: MailAddress(fromAddress, name: fromName) ?? MailAddress("tws@localhost")!,
            to: MailAddress(toAddress, name: toName).map { [$0] } ?? [],
            subject: subject,
            text: textBody,
            html: htmlBody,
            messageId: messageId,
            date: createdAt
        )
        return OutboxMail(
            id: id,
            companyId: companyId,
            domainId: domainId,
            userId: userId,
            message: message,
            status: OutboxMail.Status(rawValue: status) ?? .dead,
            attemptCount: attemptCount,
            createdAt: createdAt,
            nextAttemptAt: dueAt,
            lastError: lastError,
            sentAt: sentAt
        )
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A call-back link as stored.
struct CallBackLinkRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "call_back_link"
    var id: String
    var companyId: Int64
    var domainId: Int64
    var userId: Int64
    var device: String
    var number: String
    var createdAt: Date
    var expiresAt: Date
    var usedAt: Date?

    init(_ link: CallBackLink) {
        id = link.id
        companyId = link.companyId
        domainId = link.domainId
        userId = link.userId
        device = link.device
        number = link.number
        createdAt = link.createdAt
        expiresAt = link.expiresAt
        usedAt = link.usedAt
    }

    var link: CallBackLink {
        CallBackLink(
            id: id,
            companyId: companyId,
            domainId: domainId,
            userId: userId,
            device: device,
            number: number,
            createdAt: createdAt,
            expiresAt: expiresAt,
            usedAt: usedAt
        )
    }
}

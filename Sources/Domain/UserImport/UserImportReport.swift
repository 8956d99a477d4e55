import Foundation

/// What one run of a user import did (admin guide 7.2.3: "Once the sync is complete, a report is issued").
public struct UserImportReport: Codable, Sendable, Equatable {
    /// Why a row of the source was not applied.
    public enum Reason: String, Codable, Sendable, CaseIterable {
        /// Admin guide 7.2.3: "Users are ignored if they don't have a telephone number."
        case noPhoneNumber = "no_phone_number"
        case noUsername = "no_username"
        /// A value TWS refuses (an e-mail without "@", a number with letters, a name too long).
        case invalidValue = "invalid_value"
        /// The user name or device number appeared on an earlier row of the same run; the first row wins.
        case duplicateInSource = "duplicate_in_source"
        /// The user name belongs to a user created by hand or by another import.
        case usernameTaken = "username_taken"
        /// The device number belongs to another user of the domain.
        case numberTaken = "number_taken"
        /// Joining the import's group would need licences the company does not have.
        case licenceExhausted = "licence_exhausted"
        /// `update` mode creates nobody, and this row matches no user of the import.
        case notExisting = "not_existing"
    }

    /// One ignored row, for the administrator to fix the source.
    public struct IgnoredRow: Codable, Sendable, Equatable {
        public var username: String?
        public var reason: Reason
        public var detail: String

        public init(username: String?, reason: Reason, detail: String) {
            self.username = username
            self.reason = reason
            self.detail = detail
        }
    }

    /// Why the source could not be read to the end; nothing was removed then.
    public struct Failure: Codable, Sendable, Equatable {
        public var kind: DirectorySourceError.Kind
        public var message: String

        public init(_ error: DirectorySourceError) {
            kind = error.kind
            message = error.message
        }
    }

    /// At most this many ignored rows are listed; `ignored` still counts them all.
    public static let maxIgnoredRows = 100

    public var startedAt: Date
    public var finishedAt: Date
    public var created = 0
    public var updated = 0
    public var deleted = 0
    public var disabled = 0
    public var unchanged = 0
    public var ignored = 0
    /// The first `maxIgnoredRows` ignored rows.
    public var ignoredRows: [IgnoredRow] = []
    public var error: Failure?

    public init(startedAt: Date, finishedAt: Date? = nil) {
        self.startedAt = startedAt
        self.finishedAt = finishedAt ?? startedAt
    }

    mutating func ignore(_ username: String?, _ reason: Reason, _ detail: String) {
        ignored += 1
        if ignoredRows.count < Self.maxIgnoredRows { ignoredRows.append(IgnoredRow(username: username, reason: reason, detail: detail)) }
    }

    /// Adds the counts of one batch; the batch's ignored rows follow this report's.
    mutating func add(_ batch: UserImportReport) {
        created += batch.created
        updated += batch.updated
        deleted += batch.deleted
        disabled += batch.disabled
        unchanged += batch.unchanged
        for row in batch.ignoredRows { ignore(row.username, row.reason, row.detail) }
        ignored += batch.ignored - batch.ignoredRows.count
    }
}

import Domain
import GRDB

/// Domain's `StoreTransaction` over one GRDB database connection inside a transaction: each capability's records
/// are implemented in an extension of their own (`GRDBTransaction+UserRecords.swift`, …).
struct GRDBTransaction: StoreTransaction {
    let db: Database
    /// The search index's terms in memory, for reads; nil in writes, whose searches SQLite answers.
    var contactWords: ContactWordIndex? = nil

    /// Turns constraint violations into the domain's `conflict` errors; other errors pass through.
    func translate<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            switch error.extendedResultCode {
            case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY:
                throw DomainError.conflict(code: "already_exists", "An object with the same \(Self.columns(of: error)) already exists")
            case .SQLITE_CONSTRAINT_FOREIGNKEY:
                throw DomainError.conflict(code: "reference_missing", "A referenced object does not exist")
            default:
                throw DomainError.conflict(code: "constraint_violation", "The change breaks a data constraint")
            }
        } catch let error as RecordError {
            if case .recordNotFound = error { throw DomainError.notFound("Object") }
            throw error
        }
    }

    /// "UNIQUE constraint failed: user.domainId, user.username" → "username".
    private static func columns(of error: DatabaseError) -> String {
        guard let message = error.message, let range = message.range(of: "failed: ") else { return "key" }
        let columns = message[range.upperBound...].split(separator: ",").compactMap { $0.split(separator: ".").last.map(String.init) }
            .filter { !$0.hasSuffix("Id") }
        return columns.isEmpty ? "key" : columns.joined(separator: ", ")
    }
}

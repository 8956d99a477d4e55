/// Where the call-log writer keeps lines (Storage implements it).
public protocol CallLogStore: Sendable {
    /// Writes, in one transaction, one line per finished call at a device of the domain that a user owns (phone-queue
    /// and intercom devices have no owner and get none), naming each caller from `names` (keyed `device|number`);
    /// answers the lines written, with their ids.
    func writeLines(for calls: [FinishedCall], names: [String: String], domainId: Int64) async throws -> [CallLogEntry]
}

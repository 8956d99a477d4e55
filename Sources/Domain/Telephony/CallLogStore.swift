/// Where the call-log writer keeps lines (Storage implements it).
public protocol CallLogStore: Sendable {
    /// Writes, in one transaction, one line per finished call at a device of the domain that a user owns (phone-queue
    /// and intercom devices have no owner and get none), naming each caller from `names` (keyed `device|number`);
    /// answers the lines written, with their ids.
    func writeLines(for calls: [FinishedCall], names: [String: String], domainId: Int64) async throws -> [CallLogEntry]
    /// As `writeLines`, and in the same transaction the webhook deliveries `deliveries` makes of the lines written
    /// (issue 19: the outbox row is written with the record of the event). Answers the lines and how many deliveries
    /// were written.
    func writeLines(
        for calls: [FinishedCall],
        names: [String: String],
        domainId: Int64,
        deliveries: @escaping @Sendable ([CallLogEntry]) -> [WebhookDelivery]
    ) async throws -> (lines: [CallLogEntry], deliveries: Int)
}

extension CallLogStore {
    /// For stores without an outbox (Domain tests' fakes): the lines only.
    public func writeLines(
        for calls: [FinishedCall],
        names: [String: String],
        domainId: Int64,
        deliveries: @escaping @Sendable ([CallLogEntry]) -> [WebhookDelivery]
    ) async throws -> (lines: [CallLogEntry], deliveries: Int) {
        (try await writeLines(for: calls, names: names, domainId: domainId), 0)
    }
}

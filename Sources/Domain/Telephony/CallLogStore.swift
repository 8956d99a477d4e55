/// Where the call-log writer keeps lines (Storage implements it).
public protocol CallLogStore: Sendable {
    /// Writes, in one transaction, one line per finished call at a device of the domain that a user owns (phone-queue
    /// and intercom devices have no owner and get none), naming each caller from `names` (keyed `device|number`);
    /// answers the lines written, with their ids.
    func writeLines(for calls: [FinishedCall], names: [String: String], domainId: Int64) async throws -> [CallLogEntry]
    /// As `writeLines`, and in the same transaction the outbox rows `outbox` makes of the lines written: webhook
    /// deliveries (issue 19) and missed-call e-mails with their links (issue 20); the outbox row is written with the
    /// record of the event. Answers the lines and the rows written.
    func writeLines(
        for calls: [FinishedCall],
        names: [String: String],
        domainId: Int64,
        outbox: @escaping @Sendable ([CallLogEntry]) -> CallLogOutboxRows
    ) async throws -> (lines: [CallLogEntry], rows: CallLogOutboxRows)
}

extension CallLogStore {
    /// For stores without an outbox (Domain tests' fakes): the lines only.
    public func writeLines(
        for calls: [FinishedCall],
        names: [String: String],
        domainId: Int64,
        outbox: @escaping @Sendable ([CallLogEntry]) -> CallLogOutboxRows
    ) async throws -> (lines: [CallLogEntry], rows: CallLogOutboxRows) {
        (try await writeLines(for: calls, names: names, domainId: domainId), CallLogOutboxRows())
    }
}

/// The outbox rows written with call-log lines.
public struct CallLogOutboxRows: Sendable {
    public var deliveries: [WebhookDelivery]
    public var mails: [MissedCallMailRow]

    public init(deliveries: [WebhookDelivery] = [], mails: [MissedCallMailRow] = []) {
        self.deliveries = deliveries
        self.mails = mails
    }
}

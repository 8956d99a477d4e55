import Foundation

/// The tenant database: reads and writes, each write one transaction.
///
/// Everything a write does (checks and changes) runs in one `write` closure, so a check such as "licences left" and
/// the insert it guards cannot interleave with another write.
public protocol TenantStore: Sendable {
    /// Moves after every committed write to the tables that rights, parameters, directory settings and dialing plans
    /// live in: what is derived from them may be kept while it stays the same (`VersionedCache`).
    var configurationVersion: UInt64 { get }
    /// Moves after every committed write to sessions and users (and the companies, domains and administrator accounts
    /// they belong to): a session check may be kept while it stays the same.
    var sessionVersion: UInt64 { get }
    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T
    func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T
}

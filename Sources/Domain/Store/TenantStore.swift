import Foundation

/// The tenant database: reads and writes, each write one transaction.
///
/// Conventions every capability protocol follows: names (user, group, company, domain and administrator names)
/// compare without regard to the case of ASCII letters; a page's search text is found anywhere in the listed
/// fields, ignoring ASCII case, with `%` and `_` taken literally; a list without a stated order comes in no
/// particular order, and ties in a stated order are broken by id (ascending, or descending for "newest first").
/// A write that breaks a uniqueness rule throws `conflict` (`already_exists`), one naming a record that does not
/// exist throws `conflict` (`reference_missing`), an update of a record that is gone throws `not_found`; deleting a
/// company, domain, user or group deletes what belongs to it.
///
/// Everything a write does (checks and changes) runs in one `write` closure, so a check such as "licences left" and
/// the insert it guards cannot interleave with another write.
public protocol TenantStore: Sendable {
    /// Moves after every committed write to the configuration: companies, domains, users, groups and memberships,
    /// devices, authorizations, licences, parameter values, directories, dialing plans, phone queues, intercom groups
    /// Alerter templates and CORS origins (not PBX links, contacts, imports, sessions or call logs). What is derived from it may be kept while it
    /// stays the same (`VersionedCache`).
    var configurationVersion: UInt64 { get }
    /// Moves after every committed write to sessions, users, administrator accounts, companies and domains: a session
    /// check may be kept while it stays the same.
    var sessionVersion: UInt64 { get }
    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T
    /// A read on the caller's thread, for a caller that must not suspend (the HTTP event loop answering a lookup):
    /// the same snapshot isolation as `read`. It blocks while every reader is busy, so only short reads use it.
    func readNow<T>(_ body: (any StoreTransaction) throws -> T) throws -> T
    func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T
}

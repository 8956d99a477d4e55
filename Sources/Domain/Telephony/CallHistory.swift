import Foundation

/// Users' call logs (admin guide 9.1.6) and their retention (10.2.1).
public struct CallHistory: Sendable {
    let store: any TenantStore

    public init(store: any TenantStore) {
        self.store = store
    }

    /// A user's call log, newest first: the caller's own, or another user's of the company with a call-log right
    /// (admin guide 7.4.6, 9.1.6) given to the caller or one of their groups, on that user or one of their groups.
    public func callLogs(_ principal: UserPrincipal, userId: Int64?, kind: CallLogKind?, page: PageRequest) async throws -> Page<CallLogEntry> {
        try await store.read { tx in
            try ApplicationAccess.require(.telephony, principal: principal, tx)
            let target = userId ?? principal.userId
            if target != principal.userId {
                guard let other = try tx.user(id: target), other.companyId == principal.companyId else {
                    throw DomainError.notFound("User")
                }
                guard try Self.mayReadCallLogs(of: other, principal, tx) else {
                    throw DomainError.forbidden(code: "call_log_not_allowed", "No call-log right on this user")
                }
            }
            return try tx.callLog(userId: target, kind: kind, page)
        }
    }

    static func mayReadCallLogs(of other: User, _ principal: UserPrincipal, _ tx: any StoreTransaction) throws -> Bool {
        guard let otherId = other.id else { return false }
        let myGroups = Set(try tx.groupIds(ofUser: principal.userId))
        let theirGroups = Set(try tx.groupIds(ofUser: otherId))
        let grants = try tx.authorizations(companyId: principal.companyId, objectTypes: [.callLog])
        return grants.contains { grant in
            let mine =
                (grant.granteeType == .user && grant.granteeId == principal.userId)
                || (grant.granteeType == .group && myGroups.contains(grant.granteeId))
            let theirs =
                (grant.objectKind == .user && grant.objectId == otherId)
                || (grant.objectKind == .group && grant.objectId.map(theirGroups.contains) == true)
            return mine && theirs
        }
    }

    /// Applies the retention of admin guide 10.2.1 to every user of every domain whose cleaning time is `now`'s minute
    /// (or to all when `force`); returns how many entries were deleted. One transaction per domain.
    @discardableResult
    public func cleanCallLogs(now: Date, calendar: Calendar = .current, force: Bool = false) async throws -> Int {
        let domains = try await store.read { tx in try tx.allDomains() }
        let minute = calendar.component(.hour, from: now) * 60 + calendar.component(.minute, from: now)
        var deleted = 0
        for domain in domains {
            guard let domainId = domain.id else { continue }
            deleted += try await store.write { tx in
                let retention = try Self.retention(domainId: domainId, tx)
                guard force || retention.startMinute == minute else { return 0 }
                let entries = try tx.callLogEntries(domainId: domainId)
                let groups = Dictionary(grouping: entries) { "\($0.userId)/\($0.kind.rawValue)" }
                var count = 0
                for (_, newestFirst) in groups {
                    for id in retention.expired(newestFirst, now: now) where try tx.deleteCallLogEntry(id: id) { count += 1 }
                }
                return count
            }
        }
        return deleted
    }

    /// The System parameters `CallLog-*` for a domain: the domain's value, else the default.
    static func retention(domainId: Int64, _ tx: any StoreTransaction) throws -> CallLogRetention {
        let values = try tx.parameterValues(scope: .domain, scopeId: domainId).filter { $0.application == .system }
        func value(_ name: String) -> String {
            values.first { $0.name == name }?.value ?? ParameterCatalogue.all.first { $0.application == .system && $0.name == name }?.defaultValue
                ?? ""
        }
        let time = value("CallLog-StartCleaningHour").split(separator: ":").compactMap { Int($0) }
        return CallLogRetention(
            maxPerKind: Int(value("CallLog-NumberMaxOfStorage")) ?? 30,
            daysOfStorage: Int(value("CallLog-NumberDaysOfStorage")) ?? 30,
            startMinute: time.count == 2 ? time[0] * 60 + time[1] : 180
        )
    }
}

import Foundation

/// Users' call statistics (admin guide 9.4): counted per user and local hour as call-log lines are written, read by
/// the user themself (TWS Stats or TWS Stats Admin) and, with TWS Stats Admin, by whoever holds a statistics right on
/// the users (admin guide 7.4, 9.4.2: granted "conversely": the grantee sees, the object is seen); pruned after
/// `Stats-NumberDaysOfStorage` days (10.2.2).
public struct StatisticsService: Sendable {
    let store: any TenantStore

    public init(store: any TenantStore) {
        self.store = store
    }

    /// Adds call-log lines of one domain to their users' statistics, bucketed in the domain's time zone: called by the
    /// call-log store inside the transaction that writes the lines, so figures and lines never disagree.
    public static func count(_ lines: [CallLogEntry], domainId: Int64, _ tx: any StoreTransaction) throws {
        guard !lines.isEmpty else { return }
        let zone = try tx.domain(id: domainId)?.zone ?? TimeZone(identifier: "UTC")!
        try tx.addStatistics(StatisticsHour.tally(lines, zone: zone))
    }

    /// The statistics a query asks for. Another user's, or a group's, are those the caller may see: a user of another
    /// company, or one the caller holds no statistics right on, answers 404 like a user that does not exist; a group
    /// of which the caller may see nobody too.
    public func report(_ principal: UserPrincipal, _ query: StatisticsQuery) async throws -> StatisticsReport {
        try await store.read { tx in
            guard let me = try tx.user(id: principal.userId) else { throw DomainError.unauthenticated }
            try ApplicationAccess.require(.statistics, principal: principal, user: me, tx)
            let users: [User]
            let zoneDomain: Int64
            var groupId: Int64?
            switch query.subject {
            case .user(let id):
                let target = id ?? principal.userId
                if target == principal.userId {
                    users = [me]
                } else {
                    guard let other = try tx.user(id: target), other.companyId == principal.companyId,
                        try Self.seen(by: principal, me, tx).contains(target)
                    else { throw DomainError.notFound("User") }
                    users = [other]
                }
                zoneDomain = users[0].domainId
            case .group(let id):
                guard let group = try tx.group(id: id), group.companyId == principal.companyId else { throw DomainError.notFound("Group") }
                let seen = try Self.seen(by: principal, me, tx)
                let members = try tx.memberIds(ofGroups: [id]).filter(seen.contains)
                guard !members.isEmpty else { throw DomainError.notFound("Group") }
                users = try members.compactMap { try tx.user(id: $0) }.filter { $0.companyId == principal.companyId }
                zoneDomain = group.domainId
                groupId = id
            }
            let domain = try tx.domain(id: zoneDomain)
            let ids = users.compactMap(\.id)
            let rows =
                switch query.granularity {
                case .day: try tx.statisticsDays(userIds: ids, days: query.days)
                case .hour: try tx.statisticsHours(userIds: ids, days: query.days)
                }
            return Self.report(
                query,
                rows: rows,
                users: users,
                zone: domain?.zone ?? TimeZone(identifier: "UTC")!,
                zoneName: domain?.timeZone ?? "UTC",
                groupId: groupId
            )
        }
    }

    /// The users whose statistics `principal` may see: themself, and with TWS Stats Admin the users and the members of
    /// the groups named by statistics rights held by the principal or one of their groups.
    static func seen(by principal: UserPrincipal, _ me: User, _ tx: any StoreTransaction) throws -> Set<Int64> {
        var seen: Set<Int64> = [principal.userId]
        // An API key acting for the user has the user's own statistics only: TWS Stats Admin is a person's licence.
        guard principal.apiKeyId == nil, try ApplicationAccess.holds(.statsAdmin, user: me, tx) else { return seen }
        let myGroups = Set(try tx.groupIds(ofUser: principal.userId))
        let mine = try tx.authorizations(companyId: principal.companyId, objectTypes: [.statistics]).filter { grant in
            (grant.granteeType == .user && grant.granteeId == principal.userId) || (grant.granteeType == .group && myGroups.contains(grant.granteeId))
        }
        var groups: [Int64] = []
        for grant in mine {
            guard let objectId = grant.objectId else { continue }
            switch grant.objectKind {
            case .user: seen.insert(objectId)
            case .group: groups.append(objectId)
            case nil: break
            }
        }
        if !groups.isEmpty { seen.formUnion(try tx.memberIds(ofGroups: groups)) }
        return seen
    }

    /// Builds the report from stored rows (by user, then time).
    /// `zoneName` is the domain's own name for `zone` (Foundation calls UTC "GMT").
    static func report(
        _ query: StatisticsQuery,
        rows: [StatisticsHour],
        users: [User],
        zone: TimeZone,
        zoneName: String,
        groupId: Int64?
    ) -> StatisticsReport {
        let byUser = Dictionary(grouping: rows, by: \.userId)
        var summed: [Date: StatisticsBucket] = [:]
        let perUser = users.sorted { ($0.username.lowercased(), $0.id ?? 0) < ($1.username.lowercased(), $1.id ?? 0) }.map { user in
            let buckets = (byUser[user.id ?? -1] ?? []).map { row in
                switch query.granularity {
                case .hour: StatisticsBucket(day: row.day, hour: row.hour, start: row.hourStart, figures: row.figures)
                // A day starts at its midnight in the report's zone (its first hour on a spring-forward day), whatever
                // hour its first call was in.
                case .day: StatisticsBucket(day: row.day, hour: nil, start: row.day.start(in: zone), figures: row.figures)
                }
            }
            for bucket in buckets {
                let key = bucket.start
                if summed[key] == nil {
                    summed[key] = StatisticsBucket(day: bucket.day, hour: bucket.hour, start: key, figures: .zero)
                }
                summed[key]?.figures += bucket.figures
            }
            return UserStatistics(
                userId: user.id ?? 0,
                username: user.username,
                firstName: user.firstName,
                lastName: user.lastName,
                total: buckets.reduce(.zero) { $0 + $1.figures },
                buckets: buckets
            )
        }
        return StatisticsReport(
            granularity: query.granularity,
            from: query.days.lowerBound,
            to: query.days.upperBound,
            timeZone: zoneName,
            groupId: groupId,
            total: perUser.reduce(.zero) { $0 + $1.total },
            buckets: summed.values.sorted { $0.start < $1.start },
            users: perUser
        )
    }

    /// Applies the retention of admin guide 10.2.2 to every domain whose `Stats-StartCleaningHour` is `now`'s minute
    /// in the domain's time zone (or to all when `force`): deletes the hours of days older than
    /// `Stats-NumberDaysOfStorage` days. Answers how many hours were deleted; one transaction per domain.
    @discardableResult
    public func clean(now: Date, force: Bool = false) async throws -> Int {
        let domains = try await store.read { tx in try tx.allDomains() }
        var deleted = 0
        for domain in domains {
            guard let domainId = domain.id else { continue }
            let zone = domain.zone
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let minute = calendar.component(.hour, from: now) * 60 + calendar.component(.minute, from: now)
            deleted += try await store.write { tx in
                let retention = try StatisticsRetention.of(domainId: domainId, tx)
                guard force || retention.startMinute == minute else { return 0 }
                return try tx.deleteStatistics(domainId: domainId, before: retention.firstDayKept(now: now, zone: zone))
            }
        }
        return deleted
    }
}

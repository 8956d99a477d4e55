import Foundation

/// Who may see whose calendar presence in one company (issue 21, admin guide 7.4.3 and 9.1.3), read in one transaction.
///
/// - A `.calendar` authorization names the people sharing their calendar (its object: a user, or a group's members)
///   and those who may see it (its grantee: a user, or a group's members), in any domains of the company.
/// - A viewer whose `AuthorizedCalendarPresences` is off sees no colleague's calendar (their own still).
/// - `DisplayCalendarSummary` (the viewer's) shows event subjects; `DisplayCalendarPrivate` (the owner's) shows their
///   private events to others like normal ones, otherwise others do not see them at all.
/// Nothing crosses companies: authorizations, groups and users are all the company's.
public struct CalendarAudience: Sendable {
    public struct Viewer: Sendable, Hashable {
        public var userId: Int64
        public var domainId: Int64
        public var showsSummary: Bool
    }

    /// Each owner's viewers, the owner excluded.
    public var viewers: [Int64: Set<Viewer>]
    /// Each user's own traits: their domain, whether they see subjects, whether others see their private events.
    public var users: [Int64: (domainId: Int64, showsSummary: Bool, showsPrivate: Bool)]

    /// The owners whose calendar `viewerId` may see, the viewer included.
    public func owners(visibleTo viewerId: Int64) -> [Int64] {
        var owners: Set<Int64> = users[viewerId] == nil ? [] : [viewerId]
        for (owner, viewers) in viewers where viewers.contains(where: { $0.userId == viewerId }) { owners.insert(owner) }
        return owners.sorted()
    }

    /// `owner`'s presence as `viewerId` sees it, or nil when the viewer may not see it.
    /// A nil `reading` is a user whose domain has no calendar connection.
    public func presence(of owner: Int64, reading: CalendarReading?, for viewerId: Int64, at time: Date) -> CalendarPresence? {
        guard let traits = users[owner] else { return nil }
        guard let reading else {
            if owner == viewerId || viewers[owner]?.contains(where: { $0.userId == viewerId }) == true {
                return CalendarPresence(userId: owner, state: .unknown, reason: .notConfigured)
            }
            return nil
        }
        if owner == viewerId { return reading.presence(userId: owner, at: time, showsSummary: true, showsPrivate: true) }
        guard let viewer = viewers[owner]?.first(where: { $0.userId == viewerId }) else { return nil }
        return reading.presence(userId: owner, at: time, showsSummary: viewer.showsSummary, showsPrivate: traits.showsPrivate)
    }

    static let definitions = ParameterCatalogue.all.filter {
        ["AuthorizedCalendarPresences", "DisplayCalendarSummary", "DisplayCalendarPrivate"].contains($0.name)
    }

    /// Reads the company's calendar rights and parameters.
    public static func of(companyId: Int64, _ tx: any StoreTransaction) throws -> CalendarAudience {
        let domains = try tx.domains(companyIds: [companyId], named: nil)
        var people: [Int64: User] = [:]
        for domain in domains {
            guard let domainId = domain.id else { continue }
            for user in try tx.enabledUsers(domainId: domainId) { if let id = user.id { people[id] = user } }
        }
        let overrides = try tx.parameterValues(companyId: companyId, applications: Set(definitions.map(\.application)))
        var users: [Int64: (domainId: Int64, showsSummary: Bool, showsPrivate: Bool)] = [:]
        var allowed: Set<Int64> = []
        for (id, user) in people {
            // Group ids only matter when a group overrides one of these parameters.
            let groupIds = overrides.contains { $0.scope == .group } ? try tx.groupIds(ofUser: id) : []
            let resolved = ParameterResolver().resolve(definitions, user: user, groupIds: groupIds, overrides: overrides)
            func flag(_ name: String) -> Bool { resolved.first { $0.name == name }?.value != "false" }
            users[id] = (user.domainId, flag("DisplayCalendarSummary"), flag("DisplayCalendarPrivate"))
            if flag("AuthorizedCalendarPresences") { allowed.insert(id) }
        }
        var members: [Int64: [Int64]] = [:]
        func persons(_ kind: PeopleKind?, _ id: Int64?) throws -> [Int64] {
            guard let id else { return [] }
            switch kind {
            case .user?: return [id]
            case .group?:
                if let known = members[id] { return known }
                let found = try tx.memberIds(ofGroups: [id])
                members[id] = found
                return found
            case nil: return []
            }
        }
        var viewers: [Int64: Set<Viewer>] = [:]
        for grant in try tx.authorizations(companyId: companyId, objectTypes: [.calendar]) {
            let granteeKind: PeopleKind? =
                switch grant.granteeType {
                case .user: .user
                case .group: .group
                default: nil
                }
            let seeing = try persons(granteeKind, grant.granteeId).filter { allowed.contains($0) }
            for owner in try persons(grant.objectKind, grant.objectId) where users[owner] != nil {
                for viewer in seeing where viewer != owner {
                    guard let traits = users[viewer] else { continue }
                    viewers[owner, default: []].insert(Viewer(userId: viewer, domainId: traits.domainId, showsSummary: traits.showsSummary))
                }
            }
        }
        return CalendarAudience(viewers: viewers, users: users)
    }
}

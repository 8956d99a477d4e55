import Foundation

extension TelephonyService {
    // MARK: - Call logs

    /// A user's call log, newest first: the caller's own, or another user's of the company with a call-log right
    /// (admin guide 7.4.6, 9.1.6) given to the caller or one of their groups, on that user or one of their groups.
    public func callLogs(_ principal: UserPrincipal, userId: Int64?, kind: CallLogKind?, page: PageRequest) async throws -> Page<CallLogEntry> {
        try await store.read { tx in
            let target = userId ?? principal.userId
            if target != principal.userId {
                guard let other = try tx.fetchOne(User.self, id: target), other.companyId == principal.companyId else {
                    throw DomainError.notFound("User")
                }
                guard try Self.mayReadCallLogs(of: other, principal, tx) else {
                    throw DomainError.forbidden(code: "call_log_not_allowed", "No call-log right on this user")
                }
            }
            var filters: [StoreFilter] = [.equals("userId", .int(target))]
            if let kind { filters.append(.equals("kind", .text(kind.rawValue))) }
            return try tx.page(
                CallLogEntry.self,
                RecordQuery(filters, orderBy: ["-startedAt", "-id"]),
                page,
                searchColumns: ["peerNumber", "device"]
            )
        }
    }

    static func mayReadCallLogs(of other: User, _ principal: UserPrincipal, _ tx: any StoreTransaction) throws -> Bool {
        guard let otherId = other.id else { return false }
        let myGroups = Set(try tx.fetchAll(GroupMembership.self, .equals("userId", .int(principal.userId))).map(\.groupId))
        let theirGroups = Set(try tx.fetchAll(GroupMembership.self, .equals("userId", .int(otherId))).map(\.groupId))
        let grants = try tx.fetchAll(
            Authorization.self,
            RecordQuery([.equals("companyId", .int(principal.companyId)), .equals("objectType", .text(AuthorizationObjectType.callLog.rawValue))])
        )
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
        let domains = try await store.read { tx in try tx.fetchAll(CompanyDomain.self, RecordQuery([])) }
        let minute = calendar.component(.hour, from: now) * 60 + calendar.component(.minute, from: now)
        var deleted = 0
        for domain in domains {
            guard let domainId = domain.id else { continue }
            deleted += try await store.write { tx in
                let retention = try Self.retention(domainId: domainId, tx)
                guard force || retention.startMinute == minute else { return 0 }
                let entries = try tx.fetchAll(CallLogEntry.self, RecordQuery([.equals("domainId", .int(domainId))], orderBy: ["-startedAt", "-id"]))
                let groups = Dictionary(grouping: entries) { "\($0.userId)/\($0.kind.rawValue)" }
                var count = 0
                for (_, newestFirst) in groups {
                    for id in retention.expired(newestFirst, now: now) where try tx.delete(CallLogEntry.self, id: id) { count += 1 }
                }
                return count
            }
        }
        return deleted
    }

    /// The System parameters `CallLog-*` for a domain: the domain's value, else the default.
    static func retention(domainId: Int64, _ tx: any StoreTransaction) throws -> CallLogRetention {
        let values = try tx.fetchAll(
            ParameterValue.self,
            RecordQuery([.equals("application", .text(Application.system.rawValue)), .equals("scopeId", .int(domainId))])
        ).filter { $0.scope == .domain }
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

    // MARK: - User presence

    /// Sets the user's status; a custom message needs `AuthorizedCustomMessagePresences`. `offline` is not settable:
    /// it is what others see when the user has no live session.
    public func setUserPresence(_ principal: UserPrincipal, status: UserPresenceStatus, message: String?) async throws -> UserPresencePayload {
        guard status != .offline else { throw DomainError.invalid(field: "status", "offline is derived from the user's sessions and cannot be set") }
        let message = message.flatMap { $0.isEmpty ? nil : $0 }
        if let message, message.unicodeScalars.count > 255 { throw DomainError.invalid(field: "message", "A presence message has at most 255 characters") }
        let time = nowDate()
        let saved = try await store.write { tx in
            guard let user = try tx.fetchOne(User.self, id: principal.userId) else { throw DomainError.unauthenticated }
            if message != nil {
                let parameters = try ParameterResolver().resolve(ParameterCatalogue.all.filter { $0.application == .caller }, for: user, in: tx)
                guard parameters.first(where: { $0.name == "AuthorizedCustomMessagePresences" })?.value != "false" else {
                    throw DomainError.forbidden(code: "custom_message_not_allowed", "Custom presence messages are not allowed for this user")
                }
            }
            var row =
                try tx.first(UserPresence.self, .equals("userId", .int(principal.userId)))
                ?? UserPresence(
                    companyId: user.companyId,
                    domainId: user.domainId,
                    userId: principal.userId,
                    status: status,
                    message: message,
                    updatedAt: time
                )
            row.status = status
            row.message = message
            row.updatedAt = time
            if row.id == nil { row = try tx.insert(row) } else { try tx.update(row) }
            return UserPresencePayload(userId: principal.userId, status: status, message: message)
        }
        publisher.publish(domainId: principal.domainId, audience: .domain, event: PushEvent(type: .userPresence, time: time, userPresence: saved))
        return saved
    }

    /// Everyone's status in the user's domain; users without a live session are offline whatever they set.
    public func userPresences(_ principal: UserPrincipal) async throws -> [UserPresencePayload] {
        let time = nowDate()
        return try await store.read { tx in
            let users = try tx.fetchAll(
                User.self,
                RecordQuery([.equals("domainId", .int(principal.domainId)), .equals("enabled", .bool(true))], orderBy: ["id"])
            )
            let rows = try tx.fetchAll(UserPresence.self, .equals("domainId", .int(principal.domainId)))
            let live = Set(
                try tx.fetchAll(
                    Session.self,
                    RecordQuery([.equals("kind", .text(Session.Kind.user.rawValue)), .within("subjectId", users.compactMap(\.id).map { .int($0) })])
                )
                .filter { $0.revokedAt == nil && $0.expiresAt > time }.map(\.subjectId)
            )
            return users.compactMap { user in
                guard let id = user.id else { return nil }
                guard live.contains(id) else { return UserPresencePayload(userId: id, status: .offline) }
                let row = rows.first { $0.userId == id }
                return UserPresencePayload(userId: id, status: row?.status ?? .available, message: row?.message)
            }
        }
    }

    /// Tells the user's domain their status after they signed in or out: `offline` once no session of theirs is live,
    /// otherwise what they set (available by default). Called by the endpoints after a login or a logout.
    public func announcePresence(userId: Int64) async {
        let time = nowDate()
        let found = try? await store.read { tx -> (Int64, UserPresencePayload)? in
            guard let user = try tx.fetchOne(User.self, id: userId) else { return nil }
            let live = try tx.fetchAll(
                Session.self,
                RecordQuery([.equals("kind", .text(Session.Kind.user.rawValue)), .equals("subjectId", .int(userId))])
            ).contains { $0.revokedAt == nil && $0.expiresAt > time }
            guard live, user.enabled else { return (user.domainId, UserPresencePayload(userId: userId, status: .offline)) }
            let row = try tx.first(UserPresence.self, .equals("userId", .int(userId)))
            return (user.domainId, UserPresencePayload(userId: userId, status: row?.status ?? .available, message: row?.message))
        }
        guard let (domainId, presence) = found ?? nil else { return }
        publisher.publish(domainId: domainId, audience: .domain, event: PushEvent(type: .userPresence, time: time, userPresence: presence))
    }

    // MARK: - Supervision

    /// Which devices each PBX link of each domain supervises: user devices, then intercom-group devices, then phone-queue
    /// devices, without duplicates, spread over the domain's links in id order up to each link's capacity.
    public func supervisionPlan() async throws -> [LinkAssignment] {
        try await store.read { tx in
            let links = try tx.fetchAll(PbxLink.self, RecordQuery([], orderBy: ["id"]))
            var plan: [LinkAssignment] = []
            for (domainId, domainLinks) in Dictionary(grouping: links, by: \.domainId).sorted(by: { $0.key < $1.key }) {
                var remaining = try SupervisedDevices.of(domainId: domainId, tx)[...]
                for link in domainLinks {
                    let take = remaining.prefix(max(0, link.capacity))
                    remaining = remaining.dropFirst(take.count)
                    plan.append(LinkAssignment(link: link, devices: Array(take)))
                }
            }
            return plan
        }
    }
}

/// The devices a domain wants supervised, in planning order: user devices by number, then intercom-group devices, then
/// phone-queue devices, CSTA ones only, each once.
public enum SupervisedDevices {
    public static func of(domainId: Int64, _ tx: any StoreTransaction) throws -> [String] {
        // Sorted here rather than by SQLite, whose case-insensitive sort of 10,000 rows took 77 ms per refresh.
        var wanted = try tx.fetchAll(
            Device.self,
            RecordQuery(
                [.equals("domainId", .int(domainId)), .equals("pbxProtocol", .text(Device.PBXProtocol.csta.rawValue))],
                orderBy: []
            )
        ).map(\.number).sorted()
        for group in try tx.fetchAll(IntercomGroup.self, RecordQuery([.equals("domainId", .int(domainId))], orderBy: ["id"])) {
            wanted += group.devices.filter { $0.pbxProtocol == .csta }.flatMap(\.numbers)
        }
        for queue in try tx.fetchAll(PhoneQueue.self, RecordQuery([.equals("domainId", .int(domainId))], orderBy: ["id"]))
        where queue.device.pbxProtocol == .csta {
            wanted += queue.device.numbers
        }
        var seen = Set<String>()
        return wanted.filter { seen.insert($0).inserted }
    }
}

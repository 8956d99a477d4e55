import Foundation

/// Calendar presence (issue 21): a domain's calendar connection for its administrators, and colleagues' calendar
/// presence for users, as their rights let them see it (`CalendarAudience`).
public struct CalendarPresenceService: Sendable {
    let calendars: any CalendarStore
    let tenants: any TenantStore
    let refresher: CalendarRefresher
    let now: @Sendable () -> Date

    public init(calendars: any CalendarStore, tenants: any TenantStore, refresher: CalendarRefresher, now: @escaping @Sendable () -> Date = Date.init) {
        self.calendars = calendars
        self.tenants = tenants
        self.refresher = refresher
        self.now = now
    }

    public var board: CalendarBoard { refresher.board }

    // MARK: Administrators

    /// The domain's connection, password masked; 404 when it has none (or the domain is not the admin's).
    public func connection(_ admin: AdminPrincipal, domainId: Int64) async throws -> CalendarConnection {
        try await requireDomain(admin, domainId)
        guard let connection = try await calendars.calendarConnection(domainId: domainId) else { throw DomainError.notFound("Calendar connection") }
        return connection.shown
    }

    /// Creates or replaces the domain's connection; the calendars are read again at once.
    public func setConnection(_ admin: AdminPrincipal, domainId: Int64, _ input: CalendarConnectionInput) async throws -> CalendarConnection {
        let domain = try await requireDomain(admin, domainId)
        let stored = try await calendars.calendarConnection(domainId: domainId)
        var input = input
        if stored == nil, input.timeZone == nil { input.timeZone = domain.timeZone }
        let connection = try input.applied(to: stored, companyId: domain.companyId, domainId: domainId, time: now())
        let saved = try await calendars.saveCalendarConnection(connection)
        refresher.wake()
        return saved.shown
    }

    public func deleteConnection(_ admin: AdminPrincipal, domainId: Int64) async throws {
        try await requireDomain(admin, domainId)
        guard try await calendars.deleteCalendarConnection(domainId: domainId) else { throw DomainError.notFound("Calendar connection") }
        refresher.wake()
    }

    @discardableResult
    private func requireDomain(_ admin: AdminPrincipal, _ domainId: Int64) async throws -> CompanyDomain {
        try admin.requireReady()
        return try await tenants.read { tx in try admin.visible(tx.domain(id: domainId), "Domain") }
    }

    // MARK: Users

    /// The calendar presence of the user and of every colleague whose calendar they may see, by user id.
    public func presences(_ principal: UserPrincipal) async throws -> [CalendarPresence] {
        try await tenants.read { tx in try ApplicationAccess.require(.telephony, principal: principal, tx) }
        let audience = try await refresher.audience(companyId: principal.companyId)
        let time = now()
        return audience.owners(visibleTo: principal.userId).compactMap { owner in
            audience.presence(of: owner, reading: reading(owner), for: principal.userId, at: time)
        }
    }

    /// One colleague's calendar presence; 404 when the user may not see it (or there is no such user).
    public func presence(_ principal: UserPrincipal, userId: Int64) async throws -> CalendarPresence {
        try await tenants.read { tx in try ApplicationAccess.require(.telephony, principal: principal, tx) }
        let audience = try await refresher.audience(companyId: principal.companyId)
        guard let presence = audience.presence(of: userId, reading: reading(userId), for: principal.userId, at: now()) else {
            throw DomainError.notFound("User")
        }
        return presence
    }

    private func reading(_ userId: Int64) -> CalendarReading? {
        board.entry(userId: userId)?.reading
    }
}

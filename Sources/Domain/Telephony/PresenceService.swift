import Foundation

/// A device line as its owner sees it.
public struct DeviceLineView: Sendable, Equatable {
    public var number: String
    public var presence: TelephonyPresence
    public var doNotDisturb: Bool
    /// The voicemail lamp, on the owner's own lines only (nil on a colleague's).
    public var messageWaiting: Bool?
    public var forwarding: [ForwardingSetting]
    public var calls: [LineCall]
}

/// What users see of each other (admin guide 9.1.2): device lines and telephony presence from the call models, the
/// status each user sets, and what the push channel may send each user.
public struct PresenceService: Sendable {
    let store: any TenantStore
    let events: CallEventPipeline
    let publisher: any PushPublisher
    private let now: @Sendable () -> Date
    /// Push filters by user id (`pushFilter`).
    private let filters = VersionedCache<Int64, PushAudienceFilter>()

    public init(store: any TenantStore, events: CallEventPipeline, publisher: any PushPublisher, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.events = events
        self.publisher = publisher
        self.now = now
    }

    // MARK: - Device lines

    /// The user's own devices with their calls, DND and forwarding.
    public func lines(_ principal: UserPrincipal) async throws -> [DeviceLineView] {
        let own = try await store.read { tx in
            try ApplicationAccess.require(.telephony, principal: principal, tx)
            return try TelephonyVisibility.ownDevices(userId: principal.userId, tx)
        }
        return own.sorted().map { view(domainId: principal.domainId, number: $0, owned: true) }
    }

    /// Telephony presence of every device the user may see, own ones included.
    public func devicePresence(_ principal: UserPrincipal) async throws -> [DevicePresencePayload] {
        let visibility = try await visibility(principal)
        let lines = events.lines(domainId: principal.domainId, devices: visibility.visible)
        return visibility.visible.sorted().map { number in
            DevicePresencePayload(device: number, presence: lines[number]?.presence ?? .outOfService)
        }
    }

    /// A colleague's line, when the user may see that device; 404 otherwise.
    public func visibleLine(_ principal: UserPrincipal, device: String) async throws -> DeviceLineView {
        let visibility = try await visibility(principal)
        guard visibility.visible.contains(device) else { throw DomainError.notFound("Device") }
        return view(domainId: principal.domainId, number: device, owned: visibility.own.contains(device))
    }

    private func view(domainId: Int64, number: String, owned: Bool) -> DeviceLineView {
        let line = events.line(domainId: domainId, device: number) ?? DeviceLine(number: number)
        return DeviceLineView(
            number: number,
            presence: line.presence,
            doNotDisturb: line.doNotDisturb,
            messageWaiting: owned ? line.messageWaiting : nil,
            forwarding: ForwardingKind.allCases.compactMap { kind in
                line.forwarding[kind].map { ForwardingSetting(kind: kind, enabled: true, destination: $0.isEmpty ? nil : $0) }
            },
            calls: line.calls
        )
    }

    /// What the user may see, for the push channel's per-subscriber filter.
    ///
    /// Asked on every long-poll request: kept per user while the configuration stays the same (a WebSocket computes it
    /// once, when it opens). Reading it each time was a tenth of the server's CPU with 200 long-polling clients.
    public func pushFilter(_ principal: UserPrincipal) async throws -> PushAudienceFilter {
        let version = store.configurationVersion
        if let filter = filters.cached(principal.userId, version: version), filter.domainId == principal.domainId { return filter }
        let (visibility, access) = try await store.read { tx in
            (try TelephonyVisibility.of(userId: principal.userId, tx), try DirectoryAccess.of(userId: principal.userId, tx))
        }
        let filter = PushAudienceFilter(
            userId: principal.userId,
            domainId: principal.domainId,
            visibleDevices: visibility.visible,
            readableDirectories: Set(access.directories.keys),
            supervisedDevices: visibility.intercom,
            bossDevices: visibility.bosses,
            ownDevices: visibility.own
        )
        filters.keep(filter, for: principal.userId, version: version)
        return filter
    }

    /// What the user may see, once they are known to hold Caller or Toolkit (presence and device lines need one).
    public func visibility(_ principal: UserPrincipal) async throws -> TelephonyVisibility {
        try await store.read { tx in
            try ApplicationAccess.require(.telephony, principal: principal, tx)
            return try TelephonyVisibility.of(userId: principal.userId, tx)
        }
    }

    // MARK: - User presence

    /// Sets the user's status; a custom message needs `AuthorizedCustomMessagePresences`. `offline` is not settable:
    /// it is what others see when the user has no live session.
    public func setUserPresence(_ principal: UserPrincipal, status: UserPresenceStatus, message: String?) async throws -> UserPresencePayload {
        guard status != .offline else { throw DomainError.invalid(field: "status", "offline is derived from the user's sessions and cannot be set") }
        let message = message.flatMap { $0.isEmpty ? nil : $0 }
        if let message, message.unicodeScalars.count > 255 { throw DomainError.invalid(field: "message", "A presence message has at most 255 characters") }
        let time = now()
        let saved = try await store.write { tx in
            guard let user = try tx.user(id: principal.userId) else { throw DomainError.unauthenticated }
            try ApplicationAccess.require(.telephony, principal: principal, user: user, tx)
            if message != nil {
                let parameters = try ParameterResolver().resolve(ParameterCatalogue.all.filter { $0.application == .caller }, for: user, in: tx)
                guard parameters.first(where: { $0.name == "AuthorizedCustomMessagePresences" })?.value != "false" else {
                    throw DomainError.forbidden(code: "custom_message_not_allowed", "Custom presence messages are not allowed for this user")
                }
            }
            var row =
                try tx.userPresence(userId: principal.userId)
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
        let time = now()
        return try await store.read { tx in
            try ApplicationAccess.require(.telephony, principal: principal, tx)
            let users = try tx.enabledUsers(domainId: principal.domainId)
            let rows = try tx.userPresences(domainId: principal.domainId)
            let live = Set(
                try tx.sessions(kind: .user, subjectIds: users.compactMap(\.id))
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
        let time = now()
        let found = try? await store.read { tx -> (Int64, UserPresencePayload)? in
            guard let user = try tx.user(id: userId) else { return nil }
            let live = try tx.sessions(kind: .user, subjectId: userId).contains { $0.revokedAt == nil && $0.expiresAt > time }
            guard live, user.enabled else { return (user.domainId, UserPresencePayload(userId: userId, status: .offline)) }
            let row = try tx.userPresence(userId: userId)
            return (user.domainId, UserPresencePayload(userId: userId, status: row?.status ?? .available, message: row?.message))
        }
        guard let (domainId, presence) = found ?? nil else { return }
        publisher.publish(domainId: domainId, audience: .domain, event: PushEvent(type: .userPresence, time: time, userPresence: presence))
    }
}

import Foundation

/// A visitor's ask, as the public endpoint and its SOAP twin read it.
public struct CallbackAsk: Sendable, Equatable {
    public enum Target: Sendable, Equatable {
        case group(String)
        case user(String)
        case queue(String)
    }

    public var number: String
    public var name: String?
    public var target: Target
    public var at: Date?
    public var notAfter: Date?
    /// Outside business hours: schedule for the next opening instead of refusing.
    public var scheduleWhenClosed: Bool

    public init(number: String, name: String? = nil, target: Target, at: Date? = nil, notAfter: Date? = nil, scheduleWhenClosed: Bool = false) {
        self.number = number
        self.name = name
        self.target = target
        self.at = at
        self.notAfter = notAfter
        self.scheduleWhenClosed = scheduleWhenClosed
    }
}

/// A callback group with what an administrator reads beside it.
public struct CallbackGroupView: Sendable, Equatable {
    public var group: CallbackGroup
    public var timeZone: String
    public var pending: Int
}

/// Callback requests (issue 20): groups administered per domain, requests taken from publishable portal keys, read
/// and cancelled by their unguessable id. The double call itself is `CallbackEngine`'s, woken through `doorbell`.
public final class CallbackService: Sendable {
    let store: any TenantStore
    let plans: DialingPlans
    let doorbell: Doorbell
    let publisher: any PushPublisher
    let now: @Sendable () -> Date
    /// How far ahead a visitor may ask.
    static let maximumLead: TimeInterval = 30 * 86_400

    public init(
        store: any TenantStore,
        plans: DialingPlans,
        doorbell: Doorbell,
        publisher: any PushPublisher,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.plans = plans
        self.doorbell = doorbell
        self.publisher = publisher
        self.now = now
    }

    // MARK: Groups (administrators)

    public func groups(_ admin: AdminPrincipal, domainId: Int64, _ page: PageRequest) async throws -> Page<CallbackGroupView> {
        try admin.requireReady()
        return try await store.read { tx in
            let domain = try admin.visible(tx.domain(id: domainId), "Domain")
            return try tx.callbackGroups(domainId: domainId, page).map { try Self.view($0, domain: domain, tx) }
        }
    }

    public func group(_ admin: AdminPrincipal, id: Int64) async throws -> CallbackGroupView {
        try admin.requireReady()
        return try await store.read { tx in
            let group = try admin.visible(tx.callbackGroup(id: id), "Callback group")
            return try Self.view(group, domain: tx.domain(id: group.domainId), tx)
        }
    }

    /// Creates a group in a domain; the company and domain come from the path.
    public func create(_ admin: AdminPrincipal, domainId: Int64, _ group: CallbackGroup) async throws -> CallbackGroupView {
        try admin.requireReady()
        let validated = try group.validated()
        return try await store.write { tx in
            let domain = try admin.visible(tx.domain(id: domainId), "Domain")
            var group = validated
            group.id = nil
            group.companyId = domain.companyId
            group.domainId = domainId
            try Self.checkReferences(group, tx)
            return try Self.view(try tx.insert(group), domain: domain, tx)
        }
    }

    public func replace(_ admin: AdminPrincipal, id: Int64, _ group: CallbackGroup) async throws -> CallbackGroupView {
        try admin.requireReady()
        let validated = try group.validated()
        return try await store.write { tx in
            let stored = try admin.visible(tx.callbackGroup(id: id), "Callback group")
            var group = validated
            group.id = id
            group.companyId = stored.companyId
            group.domainId = stored.domainId
            try Self.checkReferences(group, tx)
            try tx.update(group)
            return try Self.view(group, domain: tx.domain(id: group.domainId), tx)
        }
    }

    /// Deletes a group; its pending requests are cancelled (`group_deleted`), and a double call running for one of
    /// them is hung up by the engine when it next looks at it.
    public func delete(_ admin: AdminPrincipal, id: Int64) async throws {
        try admin.requireReady()
        let time = now()
        try await store.write { tx in
            let group = try admin.visible(tx.callbackGroup(id: id), "Callback group")
            for var request in try tx.pendingCallbackRequests() where request.groupId == group.id {
                request.status = .cancelled
                request.reason = .groupDeleted
                request.updatedAt = time
                try tx.update(request)
            }
            try tx.deleteCallbackGroup(id: id)
        }
        doorbell.ring()
    }

    /// A group's requests, newest first.
    public func requests(_ admin: AdminPrincipal, groupId: Int64, status: CallbackStatus?, _ page: PageRequest) async throws -> Page<CallbackView> {
        try admin.requireReady()
        return try await store.read { tx in
            let group = try admin.visible(tx.callbackGroup(id: groupId), "Callback group")
            return try tx.callbackRequests(groupId: groupId, status: status, page).map { CallbackView(request: $0, groupName: group.name) }
        }
    }

    static func view(_ group: CallbackGroup, domain: CompanyDomain?, _ tx: any StoreTransaction) throws -> CallbackGroupView {
        CallbackGroupView(group: group, timeZone: domain?.timeZone ?? "UTC", pending: try tx.pendingCallbackRequestCount(groupId: group.id ?? 0))
    }

    /// Members are users of the group's domain; a queue is one of the domain's phone queues.
    static func checkReferences(_ group: CallbackGroup, _ tx: any StoreTransaction) throws {
        for (index, userId) in group.members.enumerated() where try tx.user(id: userId)?.domainId != group.domainId {
            throw DomainError.missing(field: "members[\(index)]", "User \(userId) not found in this domain")
        }
        if let queue = group.queue, try !tx.phoneQueues(domainId: group.domainId).contains(where: { $0.device.numbers.contains(queue) }) {
            throw DomainError.missing(field: "queue", "No phone queue of this domain has the number \(queue)")
        }
    }

    // MARK: Requests (visitors, through a portal key)

    /// Takes a visitor's request: the key's scope and origin, the target, the number through the dialing plan and the
    /// group's rules, business hours, the limits (`admit` is asked for the number once it is known: nil lets it
    /// through, else seconds to wait), then one pending request per number and target. Answers the request and
    /// whether it is new (false: the pending one for the same number and target).
    public func request(
        _ key: ApiKeyPrincipal,
        origin: String?,
        _ ask: CallbackAsk,
        admit: @Sendable (String) async -> Int? = { _ in nil }
    ) async throws -> (CallbackView, created: Bool) {
        try key.require(.callbacksCreate)
        if let origin {
            guard let normalised = CorsOrigin.normalised(origin), key.allowedOrigins.contains(normalised) else {
                throw DomainError.forbidden(code: "origin_not_allowed", "This key may not be used from this web page")
            }
        }
        let name = try ask.name.map { try Check.text($0, field: "name", max: 128) }.flatMap { $0.isEmpty ? nil : $0 }
        if let name, name.unicodeScalars.contains(where: PasswordPolicy.isControl) {
            throw DomainError.invalid(field: "name", "name may not contain control characters")
        }
        let time = now()
        let start = max(ask.at ?? time, time)
        guard start.timeIntervalSince(time) <= Self.maximumLead else {
            throw DomainError(.unprocessable, code: "callback_too_far", "A callback can be asked at most 30 days ahead", field: "at")
        }
        if let notAfter = ask.notAfter, notAfter <= start {
            throw DomainError(.unprocessable, code: "callback_window_empty", "notAfter must come after the start of the window", field: "notAfter")
        }
        let version = store.configurationVersion
        let (group, memberId, domain, plan) = try await store.read { tx in
            let (group, memberId) = try Self.target(ask.target, companyId: key.companyId, tx)
            return (group, memberId, try tx.domain(id: group.domainId), try self.plans.plan(domainId: group.domainId, version: version, tx))
        }
        let number = try group.numbers.check(ask.number, plan: plan)
        if let retryAfter = await admit(number.international) {
            var error = DomainError(.tooManyRequests, code: "rate_limited", "Too many callback requests for this number; retry in \(retryAfter) s")
            error.retryAfter = retryAfter
            throw error
        }
        let zone = domain?.zone ?? TimeZone(identifier: "UTC")!
        var due = start
        if !group.hours.isOpen(at: start, zone: zone) {
            let opening = group.hours.nextOpening(after: start, zone: zone)
            guard ask.scheduleWhenClosed, let opening, ask.notAfter.map({ opening < $0 }) ?? true else {
                var error = DomainError(
                    .unprocessable,
                    code: "callback_closed",
                    opening.map { "We are closed at that time; the next opening is \(Self.localTime($0, zone: zone))" } ?? "We are closed"
                )
                error.field = "at"
                throw error
            }
            due = opening
        }
        let draft = CallbackRequest(
            id: CallbackRequest.newId(),
            companyId: group.companyId,
            domainId: group.domainId,
            groupId: group.id ?? 0,
            memberId: memberId,
            number: number.international,
            dialled: number.dialled,
            name: name,
            dueAt: due,
            notAfter: ask.notAfter,
            maxAttempts: group.maxAttempts,
            createdAt: time,
            updatedAt: time,
            apiKeyId: key.keyId
        )
        let (stored, created) = try await store.write { tx -> (CallbackRequest, Bool) in
            guard let current = try tx.callbackGroup(id: group.id ?? 0) else { throw Self.unavailable }
            if let pending = try tx.pendingCallbackRequest(groupId: group.id ?? 0, number: number.international, memberId: memberId) {
                return (pending, false)
            }
            guard try tx.pendingCallbackRequestCount(groupId: group.id ?? 0) < current.maxPending else {
                var error = DomainError(.tooManyRequests, code: "callback_queue_full", "Too many callbacks are waiting; please try again later")
                error.retryAfter = 60
                throw error
            }
            try tx.insert(draft)
            return (draft, true)
        }
        if created {
            doorbell.ring()
            CallbackEngine.publish(stored, group: group, to: publisher)
        }
        return (CallbackView(request: stored, groupName: group.name), created)
    }

    /// A request by its id; 404 for any other id.
    public func callback(id: String) async throws -> CallbackView {
        guard Self.plausible(id) else { throw DomainError.notFound("Callback") }
        return try await store.read { tx in
            guard let request = try tx.callbackRequest(id: id) else { throw DomainError.notFound("Callback") }
            return CallbackView(request: request, groupName: try tx.callbackGroup(id: request.groupId)?.name ?? "")
        }
    }

    /// Cancels a request not connected yet (409 `callback_finished` once it has connected or ended); the engine hangs
    /// up a double call running for it.
    public func cancel(id: String) async throws -> CallbackView {
        guard Self.plausible(id) else { throw DomainError.notFound("Callback") }
        let time = now()
        let (view, group) = try await store.write { tx in
            guard var request = try tx.callbackRequest(id: id) else { throw DomainError.notFound("Callback") }
            guard request.status.isPending else {
                throw DomainError.conflict(code: "callback_finished", "This callback has already \(request.status == .connected ? "connected" : "ended")")
            }
            request.status = .cancelled
            request.reason = .cancelledByVisitor
            request.updatedAt = time
            try tx.update(request)
            let group = try tx.callbackGroup(id: request.groupId)
            return (CallbackView(request: request, groupName: group?.name ?? ""), group)
        }
        doorbell.ring()
        if let group { CallbackEngine.publish(view.request, group: group, to: publisher) }
        return view
    }

    // MARK: Helpers

    /// What every unknown target answers, whether or not a user of that name exists.
    static let unavailable = DomainError(.unprocessable, code: "callback_target_unavailable", "Nobody can be called back for this target", field: "target")

    /// The group (and member) a target names within the key's company.
    static func target(_ target: CallbackAsk.Target, companyId: Int64, _ tx: any StoreTransaction) throws -> (CallbackGroup, Int64?) {
        switch target {
        case .group(let name):
            guard let group = try tx.callbackGroup(companyId: companyId, name: name.trimmingCharacters(in: .whitespaces)) else { throw unavailable }
            return (group, nil)
        case .user(let identifier):
            let users = try tx.users(companyId: companyId, identifiedBy: identifier.trimmingCharacters(in: .whitespaces))
            guard users.count == 1, let userId = users[0].id,
                let group = try tx.callbackGroups(companyId: companyId).first(where: { $0.members.contains(userId) })
            else { throw unavailable }
            return (group, userId)
        case .queue(let queue):
            let wanted = queue.trimmingCharacters(in: .whitespaces)
            let named = try tx.phoneQueues(companyId: companyId).filter { $0.name.caseInsensitiveCompare(wanted) == .orderedSame }.flatMap(\.device.numbers)
            guard let group = try tx.callbackGroups(companyId: companyId).first(where: { group in
                group.queue.map { $0 == wanted || named.contains($0) } ?? false
            }) else { throw unavailable }
            return (group, nil)
        }
    }

    /// Ids have one shape: anything else is not looked up.
    static func plausible(_ id: String) -> Bool {
        id.utf8.count == 29 && id.hasPrefix("cb_") && id.utf8.dropFirst(3).allSatisfy { (97...122).contains($0) || (50...55).contains($0) }
    }

    static func localTime(_ date: Date, zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "EEE d MMM HH:mm zzz"
        return formatter.string(from: date)
    }
}

import Foundation

/// The Alerter's requests (admin guide 9.2.1): a call's card for the signed-in user, and the domains' card templates
/// for administrators.
public struct AlerterService: Sendable {
    let store: any TenantStore
    let cards: AlerterCards
    let events: CallEventPipeline
    let callerNames: any CallerNameResolver
    let codec: any AlerterTemplateCodec
    private let now: @Sendable () -> Date

    public init(
        store: any TenantStore,
        cards: AlerterCards,
        events: CallEventPipeline,
        callerNames: any CallerNameResolver,
        codec: any AlerterTemplateCodec,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.cards = cards
        self.events = events
        self.callerNames = callerNames
        self.codec = codec
        self.now = now
    }

    // MARK: - Cards

    /// The card of call `callId` at one of the user's devices (`device`, or the first holding the call): 403 without
    /// TWS Alerter, 404 for a call that is not at one of the user's devices.
    public func card(_ principal: UserPrincipal, callId: String, device: String?) async throws -> AlerterCard {
        let own = try await store.read { tx in
            try ApplicationAccess.require(.alerter, userId: principal.userId, tx)
            return try TelephonyVisibility.ownDevices(userId: principal.userId, tx)
        }
        if let device, !own.contains(device) { throw DomainError.notFound("Call") }
        let candidates = device.map { [$0] } ?? own.sorted()
        for number in candidates {
            guard let call = events.line(domainId: principal.domainId, device: number)?.calls.first(where: { $0.callId == callId }) else { continue }
            let peer = call.peerNumber ?? ""
            let identity =
                call.direction == .incoming && !peer.isEmpty
                ? await callerNames.callerIdentity(domainId: principal.domainId, device: number, number: peer) : nil
            return try await cards.card(
                userId: principal.userId,
                device: number,
                callId: callId,
                caller: ScreenPopCaller(number: peer, identity: identity),
                identity: identity,
                redirection: await callerNames.redirection(domainId: principal.domainId, device: number, from: call.redirectedFrom)
            )
        }
        throw DomainError.notFound("Call")
    }

    // MARK: - Templates (administrators)

    /// A template name: letters, digits, dot, dash and underscore, at most 64, starting with a letter or digit.
    static func checkName(_ name: String) throws(DomainError) {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 46 || byte == 45 || byte == 95
        }
        guard allowed, (1...64).contains(name.utf8.count), let first = name.utf8.first, first != 46, first != 45, first != 95 else {
            throw DomainError.invalid(field: "name", "A template name has 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit")
        }
    }

    public func templates(_ admin: AdminPrincipal, domainId: Int64) async throws -> [AlerterTemplateInfo] {
        try admin.requireReady()
        return try await store.read { tx in
            _ = try admin.visible(tx.domain(id: domainId), "Domain")
            return try tx.alerterTemplates(domainId: domainId).map(info)
        }
    }

    /// The template's text as uploaded.
    public func template(_ admin: AdminPrincipal, domainId: Int64, name: String) async throws -> String {
        try admin.requireReady()
        try Self.checkName(name)
        return try await store.read { tx in
            _ = try admin.visible(tx.domain(id: domainId), "Domain")
            guard let record = try tx.alerterTemplate(domainId: domainId, name: name) else { throw DomainError.notFound("Alerter template") }
            return record.xml
        }
    }

    /// Creates or replaces a template after checking it (400 `invalid_alerter_template` naming the line; nothing is
    /// stored then). Answers whether it was created.
    public func putTemplate(_ admin: AdminPrincipal, domainId: Int64, name: String, xml: String) async throws -> (AlerterTemplateInfo, created: Bool) {
        try admin.requireReady()
        try Self.checkName(name)
        do {
            _ = try AlerterTemplate.parse(xml, codec: codec)
        } catch {
            throw error.domainError
        }
        let time = now()
        return try await store.write { tx in
            let domain = try admin.visible(tx.domain(id: domainId), "Domain")
            if var existing = try tx.alerterTemplate(domainId: domainId, name: name) {
                existing.xml = xml
                existing.updatedAt = time
                try tx.update(existing)
                return (try info(existing), false)
            }
            let record = try tx.insert(AlerterTemplateRecord(companyId: domain.companyId, domainId: domainId, name: name, xml: xml, updatedAt: time))
            return (try info(record), true)
        }
    }

    public func deleteTemplate(_ admin: AdminPrincipal, domainId: Int64, name: String) async throws {
        try admin.requireReady()
        try Self.checkName(name)
        try await store.write { tx in
            _ = try admin.visible(tx.domain(id: domainId), "Domain")
            guard let record = try tx.alerterTemplate(domainId: domainId, name: name), let id = record.id else {
                throw DomainError.notFound("Alerter template")
            }
            try tx.deleteAlerterTemplate(id: id)
        }
    }

    private func info(_ record: AlerterTemplateRecord) throws -> AlerterTemplateInfo {
        let elements = (try? AlerterTemplate.parse(record.xml, codec: codec).elements.count) ?? 0
        return AlerterTemplateInfo(domainId: record.domainId, name: record.name, size: record.xml.utf8.count, elements: elements, updatedAt: record.updatedAt)
    }
}

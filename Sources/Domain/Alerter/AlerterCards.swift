import Foundation

/// Renders incoming calls' Alerter cards (admin guide 9.2.1) for the users who hold TWS Alerter: the user's
/// AlerterMode, AlerterXml, AlerterUrl, AlerterWidth and AlerterHeight (user > group > domain > default), the domain's
/// template of that name (or the built-in card), the caller as found in the user's directories and the user's own
/// details. What it reads from the store is kept while the configuration version stays the same, so a card on the PBX
/// event path costs no database read once the user's first card is made.
public final class AlerterCards: Sendable {
    /// What rendering needs to know about one user.
    struct Profile: Sendable {
        var user: User
        var companyName: String
        var mode: AlerterCard.Mode
        var width: Int
        var height: Int
        var url: String
        /// The template used, and its name (`builtin` when the domain has none of the AlerterXml name).
        var template: AlerterTemplate
        var templateName: String
    }

    let store: any TenantStore
    let codec: any AlerterTemplateCodec
    /// `[-ServerName-]`.
    let serverName: String
    private let owners = VersionedCache<String, Int64?>()
    /// nil: the user does not hold TWS Alerter.
    private let profiles = VersionedCache<Int64, Profile?>()
    private let templates = VersionedCache<String, AlerterTemplate?>()

    public init(store: any TenantStore, codec: any AlerterTemplateCodec, serverName: String) {
        self.store = store
        self.codec = codec
        self.serverName = serverName
    }

    /// The card of an incoming call ringing at `device`, for the device's owner when they hold TWS Alerter; nil
    /// otherwise (no owner, no Alerter, or the store cannot be read: the call's own event has gone out already).
    public func card(
        domainId: Int64,
        device: String,
        callId: String,
        caller: ScreenPopCaller,
        identity: CallerIdentity?,
        redirection: ScreenPopParty?
    ) async -> (userId: Int64, card: AlerterCard)? {
        let version = store.configurationVersion
        let key = "\(domainId)|\(device)"
        let owner: Int64?
        if let cached = owners.cached(key, version: version) {
            owner = cached
        } else {
            guard let found = try? await store.read({ tx in try tx.device(domainId: domainId, number: device)?.userId }) else { return nil }
            owners.keep(found, for: key, version: version)
            owner = found
        }
        guard let owner, let profile = try? await profile(userId: owner, version: version) else { return nil }
        return (owner, render(profile, device: device, callId: callId, caller: caller, identity: identity, redirection: redirection))
    }

    /// The card for `userId`, who must hold TWS Alerter (403 `application_not_authorized` otherwise).
    func card(
        userId: Int64,
        device: String,
        callId: String,
        caller: ScreenPopCaller,
        identity: CallerIdentity?,
        redirection: ScreenPopParty?
    ) async throws -> AlerterCard {
        guard let profile = try await profile(userId: userId, version: store.configurationVersion) else {
            throw DomainError.forbidden(code: "application_not_authorized", "Alerter cards need the \(Application.alerter.displayName) application")
        }
        return render(profile, device: device, callId: callId, caller: caller, identity: identity, redirection: redirection)
    }

    private func profile(userId: Int64, version: UInt64) async throws -> Profile? {
        if let cached = profiles.cached(userId, version: version) { return cached }
        let profile = try await store.read { tx -> Profile? in
            guard let user = try tx.user(id: userId), try ApplicationAccess.holds(.alerter, user: user, tx) else { return nil }
            let definitions = ParameterCatalogue.all.filter { $0.application == .alerter }
            let resolved = try ParameterResolver().resolve(definitions, for: user, in: tx)
            func value(_ name: String) -> String {
                resolved.first { $0.name == name }?.value ?? definitions.first { $0.name == name }?.defaultValue ?? ""
            }
            let templateName = value("AlerterXml")
            let template = try self.template(domainId: user.domainId, name: templateName, version: version, tx)
            return Profile(
                user: user,
                companyName: try tx.company(id: user.companyId)?.name ?? "",
                mode: AlerterCard.Mode(rawValue: value("AlerterMode").uppercased()) ?? .xml,
                width: Int(value("AlerterWidth")) ?? 400,
                height: Int(value("AlerterHeight")) ?? 200,
                url: value("AlerterUrl"),
                template: template ?? .builtin,
                templateName: template == nil ? "builtin" : templateName
            )
        }
        profiles.keep(profile, for: userId, version: version)
        return profile
    }

    /// The domain's template `name`, parsed once per configuration version; nil when the domain has none.
    private func template(domainId: Int64, name: String, version: UInt64, _ tx: any StoreTransaction) throws -> AlerterTemplate? {
        try templates.value("\(domainId)|\(name.lowercased())", version: version) {
            guard !name.isEmpty, let record = try tx.alerterTemplate(domainId: domainId, name: name) else { return nil }
            // Stored templates passed the same check; one that no longer does shows the built-in card.
            return try? AlerterTemplate.parse(record.xml, codec: codec)
        }
    }

    /// Fills the profile's template (XML mode) or page address (URL mode) with the call's fields.
    func render(
        _ profile: Profile,
        device: String,
        callId: String,
        caller: ScreenPopCaller,
        identity: CallerIdentity?,
        redirection: ScreenPopParty?
    ) -> AlerterCard {
        let fields = AlerterFields(
            caller: caller,
            card: identity?.card,
            redirection: redirection,
            callee: profile.user,
            calleeCompany: profile.companyName,
            device: device,
            serverName: serverName
        )
        var card = AlerterCard(
            callId: callId,
            device: device,
            mode: profile.mode,
            width: profile.width,
            height: profile.height,
            vip: false,
            caller: caller,
            redirection: redirection
        )
        switch profile.mode {
        case .url:
            card.url = AlerterSubstitution.substitute(profile.url, fields, in: .url)
            card.vip = caller.vip
        case .xml:
            let foundIn = Set((identity?.foundIn ?? []).map { $0.lowercased() })
            card.template = profile.templateName
            card.vip = profile.template.vip && caller.vip
            card.elements = profile.template.elements.compactMap { element in
                if let directories = element.directories {
                    let shown = directories == ["none"] ? foundIn.isEmpty : directories.contains(where: foundIn.contains)
                    guard shown else { return nil }
                }
                var rendered = AlerterCard.Element(
                    kind: element.kind,
                    x: element.x,
                    y: element.y,
                    text: AlerterSubstitution.substitute(element.content, fields, in: element.kind == .image ? .url : .text)
                )
                // An image without an address has nothing to show (a caller without a picture).
                if element.kind == .image && rendered.text.isEmpty { return nil }
                rendered.url = element.url.map { AlerterSubstitution.substitute($0, fields, in: .url) }
                rendered.exe = element.exe.map { AlerterSubstitution.substitute($0, fields, in: .exe) }
                return rendered
            }
            card.xml = codec.document(vip: card.vip, elements: card.elements)
        }
        return card
    }
}

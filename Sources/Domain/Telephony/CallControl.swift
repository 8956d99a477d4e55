import Foundation

/// The result of a click-to-call: the call at the user's device and what the dialing plan did.
public struct PlacedCall: Sendable, Equatable {
    public var call: CallRef
    public var dialled: DialingResult
}

/// Call control for signed-in users (DESIGN "How data flows" 1): rights, dialing plan, then the command to the PBX.
///
/// Every command checks here, not only in handlers, that the device is the user's (or, for a pickup, that the user
/// may intercept at that device); a device or call the user may not see answers 404 exactly like a missing one.
public struct CallControl: Sendable {
    let store: any TenantStore
    /// The PBX side: the links, or a stand-in in tests.
    let gateway: any SwitchGateway
    /// The call models, for the calls a command acts on.
    let events: CallEventPipeline
    let plans: DialingPlans

    public init(store: any TenantStore, gateway: any SwitchGateway, events: CallEventPipeline, plans: DialingPlans) {
        self.store = store
        self.gateway = gateway
        self.events = events
        self.plans = plans
    }

    /// The user's own device numbers (commands need no more than this), once the user is known to hold Caller or
    /// Toolkit (every call-control command comes through here or checks it in its own transaction).
    func ownDevices(_ principal: UserPrincipal) async throws -> Set<String> {
        try await store.read { tx in
            try ApplicationAccess.require(.telephony, principal: principal, tx)
            return try TelephonyVisibility.ownDevices(userId: principal.userId, tx)
        }
    }

    // MARK: - Call control

    /// Click-to-call: the user's device (first one when not named) calls `number` after the domain's dialing plan.
    public func makeCall(_ principal: UserPrincipal, device: String?, number: String) async throws -> PlacedCall {
        let own = try await ownDevices(principal)
        let plan = try await plans.plan(domainId: principal.domainId)
        let from = try Self.ownDevice(device, own)
        let dialled = try Self.transform(plan, number)
        let reply: SwitchReply
        do {
            reply = try await send(.makeCall(device: from, number: dialled.number), principal)
        } catch {
            // The PBX refused the call outright: no event will ever tell of it, so the attempt is logged and pushed here.
            if case .rejected(_, let value) = error {
                events.recordRefusedCall(domainId: principal.domainId, device: from, number: dialled.number, cause: value)
            }
            throw DomainError.pbx(error)
        }
        guard case .call(let call) = reply else { throw DomainError.pbx(.rejected(category: "unspecified", value: "no call in the answer")) }
        return PlacedCall(call: call, dialled: dialled)
    }

    /// The voicemail button (admin guide 9.1.4): the user's device calls `vmNumber` as resolved for the user (their own
    /// value, their group's, their domain's or the default), through the dialing plan like any click-to-call.
    public func callVoicemail(_ principal: UserPrincipal, device: String?) async throws -> PlacedCall {
        let number = try await store.read { tx in
            try ApplicationAccess.require(.telephony, principal: principal, tx)
            guard let user = try tx.user(id: principal.userId) else { throw DomainError.unauthenticated }
            return try RuleParameters.value("vmNumber", of: .caller, for: user, tx)
        }
        guard number.contains(where: \.isNumber) else {
            throw DomainError(.unprocessable, code: "no_voicemail_number", "No voicemail number (vmNumber) is set for this user")
        }
        return try await makeCall(principal, device: device, number: number)
    }

    public func answer(_ principal: UserPrincipal, callId: String, device: String?) async throws {
        let call = try await ownCall(principal, callId: callId, device: device)
        _ = try await execute(.answer(call), principal)
    }

    public func hangUp(_ principal: UserPrincipal, callId: String, device: String?) async throws {
        let call = try await ownCall(principal, callId: callId, device: device)
        _ = try await execute(.clear(call), principal)
    }

    public func hold(_ principal: UserPrincipal, callId: String, device: String?) async throws {
        let call = try await ownCall(principal, callId: callId, device: device)
        _ = try await execute(.hold(call), principal)
    }

    public func retrieve(_ principal: UserPrincipal, callId: String, device: String?) async throws {
        let call = try await ownCall(principal, callId: callId, device: device)
        _ = try await execute(.retrieve(call), principal)
    }

    /// Blind transfer to `number` (after the dialing plan).
    public func transfer(_ principal: UserPrincipal, callId: String, device: String?, to number: String) async throws -> DialingResult {
        let call = try await ownCall(principal, callId: callId, device: device)
        let dialled = try await dial(principal, number)
        _ = try await execute(.singleStepTransfer(call, to: dialled.number), principal)
        return dialled
    }

    /// Puts the call on hold and calls `number`; returns the consultation call.
    public func consult(_ principal: UserPrincipal, callId: String, device: String?, to number: String) async throws -> PlacedCall {
        let call = try await ownCall(principal, callId: callId, device: device)
        let dialled = try await dial(principal, number)
        let reply = try await execute(.consult(call, to: dialled.number), principal)
        guard case .call(let consultation) = reply else { throw DomainError.pbx(.rejected(category: "unspecified", value: "no call in the answer")) }
        return PlacedCall(call: consultation, dialled: dialled)
    }

    /// Joins the held call's party with the consultation call's party and drops the user.
    public func completeTransfer(_ principal: UserPrincipal, heldCallId: String, consultationCallId: String, device: String?) async throws {
        let held = try await ownCall(principal, callId: heldCallId, device: device)
        let active = try await ownCall(principal, callId: consultationCallId, device: held.device)
        _ = try await execute(.transfer(held: held, active: active), principal)
    }

    /// Ends the consultation call and takes the held call back.
    public func cancelTransfer(_ principal: UserPrincipal, heldCallId: String, consultationCallId: String, device: String?) async throws {
        let held = try await ownCall(principal, callId: heldCallId, device: device)
        let active = try await ownCall(principal, callId: consultationCallId, device: held.device)
        _ = try await execute(.clear(active), principal)
        _ = try await execute(.retrieve(held), principal)
    }

    /// Sends a call ringing at the user's device elsewhere.
    public func deflect(_ principal: UserPrincipal, callId: String, device: String?, to number: String) async throws -> DialingResult {
        let call = try await ownCall(principal, callId: callId, device: device, state: .alerting)
        let dialled = try await dial(principal, number)
        _ = try await execute(.deflect(call, to: dialled.number), principal)
        return dialled
    }

    /// Takes a call ringing at a colleague's device to the user's own device and answers it there
    /// (needs `AuthorizeInterception` and an intercom group shared with that device).
    public func pickUp(_ principal: UserPrincipal, ringingDevice: String, callId: String?, device: String?) async throws -> CallRef {
        let visibility = try await store.read { tx in
            try ApplicationAccess.require(.telephony, principal: principal, tx)
            return try TelephonyVisibility.of(userId: principal.userId, tx)
        }
        guard visibility.intercom.contains(ringingDevice) || visibility.visible.contains(ringingDevice) else { throw DomainError.notFound("Device") }
        guard visibility.mayIntercept, visibility.intercom.contains(ringingDevice) else {
            throw DomainError.forbidden(
                code: "interception_not_allowed",
                "Picking up needs AuthorizeInterception and an intercom group with that device"
            )
        }
        let to = try Self.ownDevice(device, visibility.own)
        let ringing = events.line(domainId: principal.domainId, device: ringingDevice)?.calls.first {
            $0.state == .alerting && (callId == nil || $0.callId == callId)
        }
        guard let ringing else { throw DomainError.notFound("Ringing call") }
        _ = try await execute(.deflect(ringing.ref, to: to), principal)
        // The PBX now rings the user's device; answer it there, as picking up at a phone does. Should it not ring
        // within a few seconds (the device is busy or in DND), the call stays where the PBX put it.
        let deadline = ContinuousClock.now.advanced(by: .seconds(3))
        while ContinuousClock.now < deadline {
            let arrived = events.line(domainId: principal.domainId, device: to)?.calls.first { $0.callId == ringing.callId && $0.state == .alerting }
            if let arrived {
                _ = try await execute(.answer(arrived.ref), principal)
                break
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        return CallRef(callId: ringing.callId, device: to)
    }

    public func setDoNotDisturb(_ principal: UserPrincipal, device: String?, enabled: Bool) async throws {
        let from = try Self.ownDevice(device, try await ownDevices(principal))
        _ = try await execute(.setDoNotDisturb(device: from, enabled: enabled), principal)
    }

    /// The device's forwarding as the PBX reports it (GetForwarding).
    public func forwarding(_ principal: UserPrincipal, device: String?) async throws -> [ForwardingSetting] {
        let from = try Self.ownDevice(device, try await ownDevices(principal))
        guard case .forwarding(let settings) = try await execute(.getForwarding(device: from), principal) else { return [] }
        return settings
    }

    /// Switches one kind of forwarding on (to a number, after the dialing plan) or off, honouring `AuthorizedForwardType*`.
    public func setForwarding(_ principal: UserPrincipal, device: String?, setting: ForwardingSetting) async throws -> ForwardingSetting {
        let version = store.configurationVersion
        let (own, allowed, plan) = try await store.read { tx in
            guard let user = try tx.user(id: principal.userId) else { throw DomainError.unauthenticated }
            try ApplicationAccess.require(.telephony, principal: principal, user: user, tx)
            let parameters = try ParameterResolver().resolve(ParameterCatalogue.all.filter { $0.application == .caller }, for: user, in: tx)
            func flag(_ name: String) -> Bool { parameters.first { $0.name == name }?.value != "false" }
            let names: [ForwardingKind: String] = [
                .immediate: "AuthorizedForwardTypeImmediate", .busy: "AuthorizedForwardTypeBusy", .noAnswer: "AuthorizedForwardTypeNoAnswer",
            ]
            let allowed = flag("AuthorizeSimpleRules") && flag(names[setting.kind] ?? "")
            return (
                try TelephonyVisibility.ownDevices(userId: principal.userId, tx), allowed, try plans.plan(domainId: principal.domainId, version: version, tx)
            )
        }
        let from = try Self.ownDevice(device, own)
        guard allowed else { throw DomainError.forbidden(code: "forwarding_not_allowed", "This kind of forwarding is not allowed for this user") }
        var applied = setting
        // The contract's bound (64 characters), the same over REST and SOAP, checked before anything reaches the PBX.
        if let destination = setting.destination, destination.unicodeScalars.count > 64 {
            throw DomainError.invalid(field: "destination", "A forwarding destination has at most 64 characters")
        }
        if setting.enabled {
            guard let destination = setting.destination, !destination.isEmpty else {
                throw DomainError.invalid(field: "destination", "A destination is required to switch forwarding on")
            }
            applied.destination = try Self.transform(plan, destination).number
        }
        _ = try await execute(.setForwarding(device: from, setting: applied), principal)
        return applied
    }

    // MARK: - Helpers

    private func dial(_ principal: UserPrincipal, _ number: String) async throws -> DialingResult {
        try Self.transform(try await plans.plan(domainId: principal.domainId), number)
    }

    /// The dialing plan's answer, its refusals as 400s naming the number.
    /// A call id as the contract bounds it: 1 to 64 characters.
    static func checkCallId(_ callId: String) throws {
        guard !callId.isEmpty, callId.unicodeScalars.count <= 64 else {
            throw DomainError.invalid(field: "callId", "A call id has 1 to 64 characters")
        }
    }

    static func transform(_ plan: DialingPlan, _ number: String) throws -> DialingResult {
        do { return try plan.transform(number) } catch { throw error.domainError }
    }

    /// `device` when it is one of the user's (404 otherwise), or the user's first device (409 `no_device` without one).
    static func ownDevice(_ device: String?, _ own: Set<String>) throws -> String {
        if let device {
            guard own.contains(device) else { throw DomainError.notFound("Device") }
            return device
        }
        guard let first = own.sorted().first else { throw DomainError.conflict(code: "no_device", "The user has no device") }
        return first
    }

    /// The user's connection to `callId` (at `device` when named), from the call model.
    private func ownCall(_ principal: UserPrincipal, callId: String, device: String?, state: ConnectionState? = nil) async throws -> CallRef {
        try Self.checkCallId(callId)
        let own = try await ownDevices(principal)
        let candidates = device.map { own.contains($0) ? [$0] : [] } ?? own.sorted()
        for number in candidates {
            if let call = events.line(domainId: principal.domainId, device: number)?.calls.first(where: { $0.callId == callId }),
                state == nil || call.state == state
            {
                return call.ref
            }
        }
        throw DomainError.notFound("Call")
    }

    private func execute(_ command: SwitchCommand, _ principal: UserPrincipal) async throws -> SwitchReply {
        do {
            return try await send(command, principal)
        } catch {
            throw DomainError.pbx(error)
        }
    }

    /// Carries `command` to the PBX of the user's domain.
    private func send(_ command: SwitchCommand, _ principal: UserPrincipal) async throws(SwitchError) -> SwitchReply {
        try await gateway.execute(command, domainId: principal.domainId)
    }
}

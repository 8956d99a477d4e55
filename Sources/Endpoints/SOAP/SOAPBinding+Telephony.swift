import Auth
import Domain
import Foundation
import SOAP

/// The telephony operations of the SOAP binding: the twins of `TWSAPI+Telephony.swift`, calling the same
/// Domain methods (`CallControl`, `PresenceService`, `CallHistory`) with the request's elements in place of the REST path and body.
extension SOAPBinding {
    // MARK: Lines and presence

    func getDeviceLines() async throws -> SOAPElement {
        let user = try Caller.current.user()
        let lines = try await presence.lines(user)
        return SOAPElement("GetDeviceLinesResponse", children: lines.map { Self.deviceLine("line", $0) })
    }

    func setDoNotDisturb(_ payload: SOAPElement) async throws -> SOAPElement {
        let user = try Caller.current.user()
        try await calls.setDoNotDisturb(user, device: payload.string("device"), enabled: try payload.requiredBool("enabled"))
        return SOAPElement("SetDoNotDisturbResponse")
    }

    func getForwarding(_ payload: SOAPElement) async throws -> SOAPElement {
        let user = try Caller.current.user()
        let settings = try await calls.forwarding(user, device: payload.string("device"))
        return SOAPElement("GetForwardingResponse", children: settings.map { SOAPElement("forwarding", children: Self.forwarding($0)) })
    }

    func setForwarding(_ payload: SOAPElement) async throws -> SOAPElement {
        let user = try Caller.current.user()
        let setting = ForwardingSetting(
            kind: try payload.required("kind", as: ForwardingKind.self),
            enabled: try payload.requiredBool("enabled"),
            destination: payload.string("destination")
        )
        let applied = try await calls.setForwarding(user, device: payload.string("device"), setting: setting)
        return SOAPElement("SetForwardingResponse", children: Self.forwarding(applied))
    }

    func getPresence(_ payload: SOAPElement) async throws -> SOAPElement {
        let user = try await actingUser(payload, .presenceRead)
        let devices = try await presence.devicePresence(user)
        let users = try await presence.userPresences(user)
        return SOAPElement(
            "GetPresenceResponse",
            children: devices.map { SOAPElement("device", children: [.leaf("device", $0.device), .leaf("presence", $0.presence.rawValue)]) }
                + users.map { SOAPElement("user", children: Self.userPresence($0)) }
        )
    }

    /// Issue 21: the REST twin is listCalendarPresence.
    func getCalendarPresence() async throws -> SOAPElement {
        guard let calendar else { throw DomainError(.unavailable, code: "not_configured", "Calendar presence is not configured") }
        let presences = try await calendar.presences(try Caller.current.user())
        return SOAPElement(
            "GetCalendarPresenceResponse",
            children: presences.map { p in
                SOAPElement(
                    "presence",
                    children: [
                        .leaf("userId", p.userId), .leaf("state", p.state.rawValue), .leaf("until", p.until), .leaf("subject", p.subject),
                        .leaf("isPrivate", p.isPrivate), .leaf("allDay", p.allDay), .leaf("reason", p.reason?.rawValue),
                    ]
                )
            }
        )
    }

    func setPresence(_ payload: SOAPElement) async throws -> SOAPElement {
        let user = try Caller.current.user()
        let saved = try await presence.setUserPresence(
            user,
            status: try payload.required("status", as: UserPresenceStatus.self),
            message: payload.string("message")
        )
        return SOAPElement("SetPresenceResponse", children: Self.userPresence(saved))
    }

    // MARK: Call control

    func makeCall(_ payload: SOAPElement) async throws -> SOAPElement {
        let user = try await actingUser(payload, .callsControl)
        let placed = try await calls.makeCall(user, device: payload.string("device"), number: try payload.required("number"))
        return SOAPElement("MakeCallResponse", children: Self.placedCall(placed))
    }

    func callVoicemail(_ payload: SOAPElement) async throws -> SOAPElement {
        let placed = try await calls.callVoicemail(try await actingUser(payload, .callsControl), device: payload.string("device"))
        return SOAPElement("CallVoicemailResponse", children: Self.placedCall(placed))
    }

    func pickUpCall(_ payload: SOAPElement) async throws -> SOAPElement {
        let user = try await actingUser(payload, .callsControl)
        let call = try await calls.pickUp(
            user,
            ringingDevice: try payload.required("ringingDevice"),
            callId: payload.string("callId"),
            device: payload.string("device")
        )
        return SOAPElement("PickUpCallResponse", children: [.leaf("callId", call.callId), .leaf("device", call.device)])
    }

    /// AnswerCall, HangUpCall, HoldCall, RetrieveCall: `command(service, user, callId, device)` on one of the user's
    /// connections; the response is empty.
    func callAction(
        _ operation: SOAPOperation,
        _ payload: SOAPElement,
        _ command: (CallControl, UserPrincipal, String, String?) async throws -> Void
    ) async throws -> SOAPElement {
        let user = try await actingUser(payload, .callsControl)
        try await command(calls, user, try payload.required("callId"), payload.string("device"))
        return SOAPElement(operation.rawValue + "Response")
    }

    /// TransferCall, DeflectCall: `command(service, user, callId, device, to)` sends the call to a number after the
    /// dialing plan; the response is what the plan made of the number.
    func redirectCall(
        _ operation: SOAPOperation,
        _ payload: SOAPElement,
        _ command: (CallControl, UserPrincipal, String, String?, String) async throws -> DialingResult
    ) async throws -> SOAPElement {
        let user = try await actingUser(payload, .callsControl)
        let dialled = try await command(calls, user, try payload.required("callId"), payload.string("device"), try payload.required("to"))
        return SOAPElement(operation.rawValue + "Response", children: Self.dialingResult(dialled))
    }

    func consultCall(_ payload: SOAPElement) async throws -> SOAPElement {
        let user = try await actingUser(payload, .callsControl)
        let placed = try await calls.consult(
            user,
            callId: try payload.required("callId"),
            device: payload.string("device"),
            to: try payload.required("to")
        )
        return SOAPElement("ConsultCallResponse", children: Self.placedCall(placed))
    }

    /// CompleteTransfer, CancelTransfer: `command(service, user, heldCallId, consultationCallId, device)`; the response
    /// is empty.
    func consultationAction(
        _ operation: SOAPOperation,
        _ payload: SOAPElement,
        _ command: (CallControl, UserPrincipal, String, String, String?) async throws -> Void
    ) async throws -> SOAPElement {
        let user = try await actingUser(payload, .callsControl)
        try await command(calls, user, try payload.required("callId"), try payload.required("consultationCallId"), payload.string("device"))
        return SOAPElement(operation.rawValue + "Response")
    }

    func getCallLogs(_ payload: SOAPElement) async throws -> SOAPElement {
        let user = try await actingUser(payload, .callsRead)
        let page = try await callHistory.callLogs(
            user,
            userId: try payload.optionalLong("userId"),
            kind: try payload.optional("kind", as: CallLogKind.self),
            page: try PageRequest(offset: payload.int("offset"), limit: payload.int("limit"), search: payload.string("query"))
        )
        return SOAPElement(
            "GetCallLogsResponse",
            children: [.leaf("total", page.total), .leaf("offset", page.offset), .leaf("limit", page.limit)]
                + page.items.map { SOAPElement("entry", children: Self.callLogEntry($0)) }
        )
    }

    // MARK: Response types of the WSDL schema

    /// tws:DialingResult.
    static func dialingResult(_ d: DialingResult) -> [SOAPElement?] {
        [
            .leaf("input", d.input), .leaf("number", d.number),
            d.rule.map { rule in
                SOAPElement(
                    "rule",
                    children: [
                        .leaf("priority", rule.priority), .leaf("name", rule.name.isEmpty ? nil : rule.name), .leaf("pattern", rule.pattern),
                        .leaf("value", rule.value),
                    ]
                )
            },
            .leaf("externalPrefixAdded", d.externalPrefixAdded),
        ] + d.steps.map { .leaf("step", $0) }
    }

    /// tws:PlacedCall.
    static func placedCall(_ p: PlacedCall) -> [SOAPElement?] {
        [.leaf("callId", p.call.callId), .leaf("device", p.call.device), SOAPElement("dialled", children: dialingResult(p.dialled))]
    }

    /// tws:ForwardingSetting.
    static func forwarding(_ f: ForwardingSetting) -> [SOAPElement?] {
        [.leaf("kind", f.kind.rawValue), .leaf("enabled", f.enabled), .leaf("destination", f.destination)]
    }

    /// tws:UserPresence.
    static func userPresence(_ p: UserPresencePayload) -> [SOAPElement?] {
        [.leaf("userId", p.userId), .leaf("status", p.status.rawValue), .leaf("message", p.message)]
    }

    /// A tws:DeviceLine element named `name`.
    static func deviceLine(_ name: String, _ l: DeviceLineView) -> SOAPElement {
        SOAPElement(
            name,
            children: [.leaf("number", l.number), .leaf("presence", l.presence.rawValue), .leaf("doNotDisturb", l.doNotDisturb), .leaf("messageWaiting", l.messageWaiting)]
                + l.forwarding.map { SOAPElement("forwarding", children: forwarding($0)) }
                + l.calls.map { call in
                    SOAPElement(
                        "call",
                        children: [
                            .leaf("callId", call.callId), .leaf("device", call.device), .leaf("state", call.state.rawValue),
                            .leaf("direction", call.direction?.rawValue), .leaf("peerNumber", call.peerNumber), .leaf("startedAt", call.startedAt),
                            .leaf("answeredAt", call.answeredAt), .leaf("cause", call.cause),
                        ]
                    )
                }
        )
    }

    /// tws:CallLogEntry.
    static func callLogEntry(_ e: CallLogEntry) -> [SOAPElement?] {
        [
            .leaf("id", e.id ?? 0), .leaf("userId", e.userId), .leaf("device", e.device), .leaf("callId", e.callId), .leaf("kind", e.kind.rawValue),
            .leaf("peerNumber", e.peerNumber), .leaf("startedAt", e.startedAt), .leaf("answeredAt", e.answeredAt),
            .leaf("durationSeconds", e.durationSeconds), .leaf("peerName", e.peerName), .leaf("endedAt", e.endedAt), .leaf("cause", e.cause),
        ]
    }
}

/// Reading typed values from a request the schema has already validated; the checks only keep a schema gap from
/// becoming a crash or a silent default, and fault like a REST field error.
extension SOAPElement {
    fileprivate func required(_ name: String) throws(DomainError) -> String {
        guard let value = string(name) else { throw DomainError.invalid(field: name, "\(name) is required") }
        return value
    }

    fileprivate func requiredBool(_ name: String) throws(DomainError) -> Bool {
        guard let value = bool(name) else { throw DomainError.invalid(field: name, "\(name) must be true or false") }
        return value
    }

    fileprivate func optional<Value: RawRepresentable>(_ name: String, as type: Value.Type) throws(DomainError) -> Value?
    where Value.RawValue == String {
        guard let text = string(name) else { return nil }
        guard let value = Value(rawValue: text) else { throw DomainError.invalid(field: name, "Unsupported value \(text)") }
        return value
    }

    fileprivate func required<Value: RawRepresentable>(_ name: String, as type: Value.Type) throws(DomainError) -> Value
    where Value.RawValue == String {
        guard let value = try optional(name, as: type) else { throw DomainError.invalid(field: name, "\(name) is required") }
        return value
    }

    func optionalLong(_ name: String) throws(DomainError) -> Int64? {
        guard let text = string(name) else { return nil }
        guard let value = Int64(text) else { throw DomainError.invalid(field: name, "\(name) must be an integer") }
        return value
    }
}

extension SOAPBinding {
    /// The user an operation acts for: the caller's own user, or the one an API key names in `onBehalfOf` (issue 19).
    func actingUser(_ payload: SOAPElement, _ scope: ApiKeyScope) async throws -> UserPrincipal {
        try await Caller.current.user(onBehalfOf: payload.string("onBehalfOf"), needing: scope, keys: apiKeys)
    }
}

import API
import Auth
import Domain
import Foundation

/// Call control, lines, presence and call logs for users; link and device states and the dialing-plan test for admins.
extension TWSAPI {
    // MARK: Lines and presence

    package func listMyDevices(_ input: Operations.ListMyDevices.Input) async throws -> Operations.ListMyDevices.Output {
        let lines = try await presence.lines(try Caller.current.user())
        return .ok(.init(body: .json(try lines.map(Components.Schemas.DeviceLine.init))))
    }

    package func getDeviceLine(_ input: Operations.GetDeviceLine.Input) async throws -> Operations.GetDeviceLine.Output {
        let line = try await presence.visibleLine(try Caller.current.user(), device: input.path.number)
        return .ok(.init(body: .json(try .init(line))))
    }

    package func setDoNotDisturb(_ input: Operations.SetDoNotDisturb.Input) async throws -> Operations.SetDoNotDisturb.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        try await calls.setDoNotDisturb(try Caller.current.user(), device: input.path.number, enabled: body.enabled)
        return .noContent(.init())
    }

    package func getForwarding(_ input: Operations.GetForwarding.Input) async throws -> Operations.GetForwarding.Output {
        let settings = try await calls.forwarding(try Caller.current.user(), device: input.path.number)
        return .ok(.init(body: .json(try settings.map(Components.Schemas.ForwardingSetting.init))))
    }

    package func setForwarding(_ input: Operations.SetForwarding.Input) async throws -> Operations.SetForwarding.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let setting = ForwardingSetting(kind: try convert(body.kind, field: "kind"), enabled: body.enabled, destination: body.destination)
        let applied = try await calls.setForwarding(try Caller.current.user(), device: input.path.number, setting: setting)
        return .ok(.init(body: .json(try .init(applied))))
    }

    package func getPresence(_ input: Operations.GetPresence.Input) async throws -> Operations.GetPresence.Output {
        let (devices, users) = try await presenceOverview(onBehalfOf: input.query.onBehalfOf, users: input.query.users)
        return .ok(
            .init(
                body: .json(
                    .init(
                        devices: try devices.map { .init(device: $0.device, presence: try convert($0.presence, field: "presence")) },
                        users: try users.map(Components.Schemas.UserPresence.init)
                    )
                )
            )
        )
    }

    package func setMyPresence(_ input: Operations.SetMyPresence.Input) async throws -> Operations.SetMyPresence.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let saved = try await presence.setUserPresence(
            try Caller.current.user(),
            status: try convert(body.status, field: "status"),
            message: body.message
        )
        return .ok(.init(body: .json(try .init(saved))))
    }

    // MARK: Call control

    package func makeCall(_ input: Operations.MakeCall.Input) async throws -> Operations.MakeCall.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let placed = try await calls.makeCall(try await actingUser(body.onBehalfOf, .callsControl), device: body.device, number: body.number)
        return .created(.init(body: .json(.init(placed))))
    }

    package func callVoicemail(_ input: Operations.CallVoicemail.Input) async throws -> Operations.CallVoicemail.Output {
        let request = input.body.map { body -> Components.Schemas.VoicemailCallRequest in
            switch body {
            case .json(let request): request
            }
        }
        let placed = try await calls.callVoicemail(try await actingUser(request?.onBehalfOf, .callsControl), device: request?.device)
        return .created(.init(body: .json(.init(placed))))
    }

    package func pickUpCall(_ input: Operations.PickUpCall.Input) async throws -> Operations.PickUpCall.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let call = try await calls.pickUp(
            try await actingUser(body.onBehalfOf, .callsControl),
            ringingDevice: body.ringingDevice,
            callId: body.callId,
            device: body.device
        )
        return .ok(.init(body: .json(.init(callId: call.callId, device: call.device))))
    }

    package func answerCall(_ input: Operations.AnswerCall.Input) async throws -> Operations.AnswerCall.Output {
        let request = input.body.map { body -> Components.Schemas.CallActionRequest in
            switch body {
            case .json(let request): request
            }
        }
        try await calls.answer(
            try await actingUser(request?.onBehalfOf, .callsControl),
            callId: input.path.callId,
            device: request?.device
        )
        return .noContent(.init())
    }

    package func hangUpCall(_ input: Operations.HangUpCall.Input) async throws -> Operations.HangUpCall.Output {
        let request = input.body.map { body -> Components.Schemas.CallActionRequest in
            switch body {
            case .json(let request): request
            }
        }
        try await calls.hangUp(
            try await actingUser(request?.onBehalfOf, .callsControl),
            callId: input.path.callId,
            device: request?.device
        )
        return .noContent(.init())
    }

    package func holdCall(_ input: Operations.HoldCall.Input) async throws -> Operations.HoldCall.Output {
        let request = input.body.map { body -> Components.Schemas.CallActionRequest in
            switch body {
            case .json(let request): request
            }
        }
        try await calls.hold(
            try await actingUser(request?.onBehalfOf, .callsControl),
            callId: input.path.callId,
            device: request?.device
        )
        return .noContent(.init())
    }

    package func retrieveCall(_ input: Operations.RetrieveCall.Input) async throws -> Operations.RetrieveCall.Output {
        let request = input.body.map { body -> Components.Schemas.CallActionRequest in
            switch body {
            case .json(let request): request
            }
        }
        try await calls.retrieve(
            try await actingUser(request?.onBehalfOf, .callsControl),
            callId: input.path.callId,
            device: request?.device
        )
        return .noContent(.init())
    }

    package func transferCall(_ input: Operations.TransferCall.Input) async throws -> Operations.TransferCall.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let dialled = try await calls.transfer(
            try await actingUser(body.onBehalfOf, .callsControl),
            callId: input.path.callId,
            device: body.device,
            to: body.to
        )
        return .ok(.init(body: .json(.init(dialled))))
    }

    package func consultCall(_ input: Operations.ConsultCall.Input) async throws -> Operations.ConsultCall.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let placed = try await calls.consult(
            try await actingUser(body.onBehalfOf, .callsControl),
            callId: input.path.callId,
            device: body.device,
            to: body.to
        )
        return .created(.init(body: .json(.init(placed))))
    }

    package func completeTransfer(_ input: Operations.CompleteTransfer.Input) async throws -> Operations.CompleteTransfer.Output {
        let request = input.body.map { body -> Components.Schemas.CallActionRequest in
            switch body {
            case .json(let request): request
            }
        }
        try await calls.completeTransfer(
            try await actingUser(request?.onBehalfOf, .callsControl),
            heldCallId: input.path.callId,
            consultationCallId: input.path.consultationCallId,
            device: request?.device
        )
        return .noContent(.init())
    }

    package func cancelTransfer(_ input: Operations.CancelTransfer.Input) async throws -> Operations.CancelTransfer.Output {
        let request = input.body.map { body -> Components.Schemas.CallActionRequest in
            switch body {
            case .json(let request): request
            }
        }
        try await calls.cancelTransfer(
            try await actingUser(request?.onBehalfOf, .callsControl),
            heldCallId: input.path.callId,
            consultationCallId: input.path.consultationCallId,
            device: request?.device
        )
        return .noContent(.init())
    }

    package func deflectCall(_ input: Operations.DeflectCall.Input) async throws -> Operations.DeflectCall.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let dialled = try await calls.deflect(
            try await actingUser(body.onBehalfOf, .callsControl),
            callId: input.path.callId,
            device: body.device,
            to: body.to
        )
        return .ok(.init(body: .json(.init(dialled))))
    }

    package func listCallLogs(_ input: Operations.ListCallLogs.Input) async throws -> Operations.ListCallLogs.Output {
        let page = try await callHistory.callLogs(
            try await actingUser(input.query.onBehalfOf, .callsRead),
            userId: input.query.userId,
            kind: try convert(input.query.kind, field: "kind"),
            page: PageRequest(offset: input.query.offset, limit: input.query.limit, q: input.query.q)
        )
        return .ok(.init(body: .json(try wirePage(page, Components.Schemas.CallLogPage.init, Components.Schemas.CallLogEntry.init))))
    }

    // MARK: Admin

    package func listPbxLinkStates(_ input: Operations.ListPbxLinkStates.Input) async throws -> Operations.ListPbxLinkStates.Output {
        let states = try await admin.linkStates(try Caller.current.admin(), supervision.links)
        return .ok(.init(body: .json(states.map(Components.Schemas.PbxLinkState.init))))
    }

    package func listDeviceStates(_ input: Operations.ListDeviceStates.Input) async throws -> Operations.ListDeviceStates.Output {
        let states = try await admin.deviceStates(
            try Caller.current.admin(),
            domainId: input.path.domainId,
            first: input.query.first,
            last: input.query.last,
            supervision.links
        )
        return .ok(.init(body: .json(states.map(Components.Schemas.DeviceSupervisionState.init))))
    }

    package func testDialingPlan(_ input: Operations.TestDialingPlan.Input) async throws -> Operations.TestDialingPlan.Output {
        guard case .json(let body) = input.body else { throw DomainError.invalid(field: "body", "JSON body expected") }
        let incoming = body.direction == .incoming
        let (outgoing, reverse) = try await admin.testDialingPlan(
            try Caller.current.admin(),
            domainId: body.domainId,
            number: body.number,
            incoming: incoming
        )
        return .ok(
            .init(
                body: .json(
                    .init(
                        direction: incoming ? .incoming : .outgoing,
                        outgoing: outgoing.map(Components.Schemas.DialingResult.init),
                        incoming: reverse.map { .init(input: $0.input, number: $0.number, isInternal: $0.isInternal, searchKeys: $0.searchKeys) }
                    )
                )
            )
        )
    }
}

extension Components.Schemas.DialingRule {
    init(_ r: DialingRule) { self.init(priority: Int32(clamping: r.priority), name: r.name, pattern: r.pattern, value: r.value) }
}

extension DialingRule {
    init(_ r: Components.Schemas.DialingRule) { self.init(priority: Int(r.priority), name: r.name ?? "", pattern: r.pattern, value: r.value) }
}

extension Components.Schemas.DialingResult {
    init(_ d: DialingResult) {
        self.init(
            input: d.input,
            number: d.number,
            rule: d.rule.map(Components.Schemas.DialingRule.init),
            externalPrefixAdded: d.externalPrefixAdded,
            steps: d.steps
        )
    }
}

extension Components.Schemas.PlacedCall {
    init(_ p: PlacedCall) { self.init(callId: p.call.callId, device: p.call.device, dialled: .init(p.dialled)) }
}

extension Components.Schemas.ForwardingSetting {
    init(_ f: ForwardingSetting) throws { self.init(kind: try convert(f.kind, field: "kind"), enabled: f.enabled, destination: f.destination) }
}

extension Components.Schemas.LineCall {
    init(_ c: LineCall) throws {
        self.init(
            callId: c.callId,
            device: c.device,
            state: try convert(c.state, field: "state"),
            direction: try convert(c.direction, field: "direction"),
            peerNumber: c.peerNumber,
            startedAt: c.startedAt,
            answeredAt: c.answeredAt,
            cause: c.cause
        )
    }
}

extension Components.Schemas.DeviceLine {
    init(_ l: DeviceLineView) throws {
        self.init(
            number: l.number,
            presence: try convert(l.presence, field: "presence"),
            doNotDisturb: l.doNotDisturb,
            messageWaiting: l.messageWaiting,
            forwarding: try l.forwarding.map(Components.Schemas.ForwardingSetting.init),
            calls: try l.calls.map(Components.Schemas.LineCall.init)
        )
    }
}

extension Components.Schemas.UserPresence {
    init(_ p: UserPresencePayload) throws { self.init(userId: p.userId, status: try convert(p.status, field: "status"), message: p.message) }
}

extension Components.Schemas.CallLogEntry {
    init(_ e: CallLogEntry) throws {
        self.init(
            id: e.id ?? 0,
            userId: e.userId,
            device: e.device,
            callId: e.callId,
            kind: try convert(e.kind, field: "kind"),
            peerNumber: e.peerNumber,
            peerName: e.peerName,
            startedAt: e.startedAt,
            answeredAt: e.answeredAt,
            durationSeconds: Int32(clamping: e.durationSeconds),
            endedAt: e.endedAt,
            cause: e.cause,
            forwardedByRule: e.ruleName.map { .init(ruleId: e.ruleId, ruleName: $0, destination: e.ruleDestination ?? "") }
        )
    }
}

extension Components.Schemas.PbxLinkState {
    init(_ s: Domain.PbxLinkState) {
        self.init(
            linkId: s.linkId,
            domainId: s.domainId,
            host: s.host,
            port: Int32(clamping: s.port),
            connected: s.connected,
            current: Int32(clamping: s.current),
            capacity: Int32(clamping: s.capacity),
            lastError: s.lastError,
            reconnects: Int32(clamping: s.reconnects)
        )
    }
}

extension Components.Schemas.DeviceSupervisionState {
    init(_ s: Domain.DeviceSupervisionState) {
        self.init(device: s.device, linkId: s.linkId, provider: s.provider, connected: s.connected, reason: s.reason, _type: s.type)
    }
}

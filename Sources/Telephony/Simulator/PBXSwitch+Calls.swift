/// The call operations shared by CSTA requests and PBX-side actions. Each validates before it changes anything, so a
/// refused operation emits no event; events are queued in the outbox and delivered by the caller's `flush()`.
extension PBXSwitch {
    /// States in which a connection takes part in the call (as opposed to being offered it).
    private static let activeStates: Set<CSTAConnectionState> = [.connected, .held, .initiated, .fail]
    /// States in which a connection is being offered the call.
    private static let pendingStates: Set<CSTAConnectionState> = [.alerting, .queued]

    // MARK: Setting up

    /// Starts a call from `caller` (an extension, or a trunk number for an incoming call) to `destination`: the caller's
    /// ServiceInitiated and Originated, then the destination's routing. Returns the caller's connection.
    func originate(from caller: String, to destination: String, cause: String) throws(CSTAError) -> ConnectionID {
        let numbering = configuration.numbering
        let callerKind = numbering.kind(of: caller)
        guard callerKind == .extension || callerKind == .external else {
            throw PBXErrorCode.invalidCallingDevice
        }
        let destinationKind = numbering.kind(of: destination)
        guard destinationKind != .invalid, destination != caller, !(callerKind == .external && destinationKind == .external) else {
            throw PBXErrorCode.invalidCalledDevice
        }
        let callID = String(nextCallNumber)
        let call = Call(
            id: callID,
            sequence: nextCallNumber,
            callingDevice: caller,
            calledDevice: destination,
            lastRedirectionDevice: nil,
            parties: [Party(device: caller, state: .initiated)]
        )
        nextCallNumber += 1
        callTable[callID] = call
        counters.callsStarted += 1
        let connection = call.connection(caller)
        emit(
            CSTAMessage.serviceInitiated,
            CSTACallEvent(monitorCrossRefID: "", connection: connection, initiatingDevice: CSTADeviceID(caller), cause: cause),
            call: callID
        )
        callTable[callID]?.set(caller, .connected)
        emit(
            CSTAMessage.originated,
            CSTACallEvent(
                monitorCrossRefID: "",
                connection: connection,
                callingDevice: CSTADeviceID(caller),
                calledDevice: CSTADeviceID(destination),
                cause: cause
            ),
            call: callID
        )
        route(callID, to: destination, cause: cause == "makeCall" ? "newCall" : cause, originator: caller, redirections: 0)
        return connection
    }

    /// Offers call `callID` to `destination` the way the switch would: trunk, hunt group or extension, honouring
    /// forwarding, do-not-disturb and busy. `originator` is the party that hears the result (fails when it fails).
    func route(_ callID: String, to destination: String, cause: String, originator: String, redirections: Int) {
        guard callTable[callID] != nil else {
            return
        }
        switch configuration.numbering.kind(of: destination) {
        case .invalid, .unassigned:
            fail(callID, at: destination, originator: originator, cause: "destNotObtainable")
        case .external:
            if configuration.busyExternalNumbers.contains(destination) {
                fail(callID, at: destination, originator: originator, cause: "busy")
            } else {
                alert(callID, destination, cause: cause)
            }
        case .voicemail:
            // The voice server picks up at once. A call diverted here leaves a message for the device it was diverted
            // from; an extension dialling it itself hears its own messages.
            if let call = callTable[callID] {
                let mailbox = call.lastRedirectionDevice.flatMap { configuration.numbering.kind(of: $0) == .extension ? $0 : nil }
                let caller = call.callingDevice.flatMap { configuration.numbering.kind(of: $0) == .extension ? $0 : nil }
                if let mailbox {
                    callTable[callID]?.voicemailVisit = VoicemailVisit(mailbox: mailbox, deposit: true)
                } else if let caller {
                    callTable[callID]?.voicemailVisit = VoicemailVisit(mailbox: caller, deposit: false)
                }
            }
            alert(callID, destination, cause: cause)
            if let call = callTable[callID] {
                try? answer(call.connection(destination))
            }
        case .queue:
            callTable[callID]?.set(destination, .queued)
            callTable[callID]?.queue = destination
            guard let call = callTable[callID] else {
                return
            }
            emit(
                CSTAMessage.queued,
                CSTACallEvent(
                    monitorCrossRefID: "",
                    connection: call.connection(destination),
                    callingDevice: CSTADeviceID(call.callingDevice),
                    calledDevice: CSTADeviceID(call.calledDevice),
                    queue: CSTADeviceID(destination),
                    lastRedirectionDevice: CSTADeviceID(call.lastRedirectionDevice),
                    cause: "enteringDistribution"
                ),
                call: callID
            )
            distribute(callID)
        case .extension:
            let settings = devices[destination] ?? DeviceSettings()
            let canRedirect = redirections < configuration.maximumRedirections
            if let target = settings.activeForward(.immediate), canRedirect {
                divert(callID, from: destination, to: target, cause: "callForwardImmediate", originator: originator, redirections: redirections)
            } else if settings.doNotDisturb {
                if let target = settings.activeForward(.busy), canRedirect {
                    divert(callID, from: destination, to: target, cause: "doNotDisturb", originator: originator, redirections: redirections)
                } else {
                    fail(callID, at: destination, originator: originator, cause: "doNotDisturb")
                }
            } else if isBusy(destination) {
                if let target = settings.activeForward(.busy), canRedirect {
                    divert(callID, from: destination, to: target, cause: "callForwardBusy", originator: originator, redirections: redirections)
                } else {
                    fail(callID, at: destination, originator: originator, cause: "busy")
                }
            } else {
                alert(callID, destination, cause: cause)
            }
        }
    }

    /// Makes `device` ring in the call (DeliveredEvent) and starts the timers that apply to it.
    private func alert(_ callID: String, _ device: String, cause: String) {
        callTable[callID]?.set(device, .alerting)
        guard let call = callTable[callID] else {
            return
        }
        emit(
            CSTAMessage.delivered,
            CSTACallEvent(
                monitorCrossRefID: "",
                connection: call.connection(device),
                callingDevice: CSTADeviceID(call.callingDevice),
                calledDevice: CSTADeviceID(call.calledDevice),
                alertingDevice: CSTADeviceID(device),
                lastRedirectionDevice: CSTADeviceID(call.lastRedirectionDevice),
                cause: cause
            ),
            call: callID
        )
        if configuration.style == .real {
            // OpenScape follows a DeliveredEvent with a CallInformationEvent (ECMA-269) carrying the account code.
            emitVendorEvent(call: callID) { crossRefID in
                .callInformation(
                    monitorCrossRefID: crossRefID,
                    connection: call.connection(device),
                    device: CSTADeviceID(parsing: device),
                    callingDevice: CSTADeviceID(call.callingDevice),
                    accountInfo: "CC\(callID)"
                )
            }
        }
        armTimers(callID, device)
    }

    /// Starts the no-answer forwarding timer of an alerting extension, or the answer timer of an alerting trunk party (or
    /// of an extension that answers by itself).
    func armTimers(_ callID: String, _ device: String) {
        switch configuration.numbering.kind(of: device) {
        case .extension where devices[device]?.activeForward(.noAnswer) != nil:
            startTimer(TimerKey(callID: callID, device: device, kind: .noAnswer), after: configuration.noAnswerTimeout)
        case .extension where configuration.answerDelays[device] != nil:
            // The same answer as a trunk party's (its timer kind), for an extension set to pick up by itself.
            startTimer(TimerKey(callID: callID, device: device, kind: .externalAnswer), after: configuration.answerDelays[device] ?? .zero)
        case .external:
            if let delay = configuration.externalAnswerDelay {
                startTimer(TimerKey(callID: callID, device: device, kind: .externalAnswer), after: delay)
            }
        default:
            break
        }
    }

    /// Rings every free agent of the hunt group distributing `callID` that has not refused it.
    func distribute(_ callID: String) {
        guard let call = callTable[callID], let queue = call.queue, call.state(of: queue) == .queued,
            let agents = configuration.numbering.queues[queue]
        else {
            return
        }
        for agent in agents where call.state(of: agent) == nil && !call.declinedAgents.contains(agent) {
            let settings = devices[agent] ?? DeviceSettings()
            guard configuration.numbering.kind(of: agent) == .extension, !settings.doNotDisturb, !isBusy(agent) else {
                continue
            }
            alert(callID, agent, cause: "distributed")
        }
    }

    /// Whether `device` cannot take another call: set busy by hand, or in a call while call waiting is off.
    func isBusy(_ device: String) -> Bool {
        if busyDevices.contains(device) {
            return true
        }
        return !configuration.callWaiting && callTable.values.contains { $0.state(of: device) != nil }
    }

    /// The call failed at `device`: the originator's connection goes to `fail` (FailedEvent with `cause`), unless other
    /// destinations are still being offered the call. A trunk originator then releases.
    private func fail(_ callID: String, at device: String, originator: String, cause: String) {
        guard let call = callTable[callID], call.state(of: originator) != nil else {
            return
        }
        let othersPending = call.parties.contains { $0.device != originator && Self.pendingStates.contains($0.state) }
        if !othersPending {
            callTable[callID]?.set(originator, .fail)
        }
        emit(
            CSTAMessage.failed,
            CSTACallEvent(
                monitorCrossRefID: "",
                connection: call.connection(originator),
                callingDevice: CSTADeviceID(call.callingDevice),
                calledDevice: CSTADeviceID(call.calledDevice),
                failingDevice: CSTADeviceID(device),
                lastRedirectionDevice: CSTADeviceID(call.lastRedirectionDevice),
                cause: cause
            ),
            call: callID
        )
        if !othersPending, configuration.numbering.kind(of: originator) == .external {
            removeParty(callID, originator, cause: "normalClearing")
            settle(callID)
        }
    }

    /// Redirects the call away from `device` (a party or a device that was never offered it) towards `target`:
    /// DivertedEvent, then routing to the target.
    private func divert(_ callID: String, from device: String, to target: String, cause: String, originator: String, redirections: Int) {
        guard callTable[callID] != nil else {
            return
        }
        callTable[callID]?.remove(device)
        cancelTimers(callID, device)
        callTable[callID]?.lastRedirectionDevice = device
        guard let call = callTable[callID] else {
            return
        }
        emit(
            CSTAMessage.diverted,
            CSTACallEvent(
                monitorCrossRefID: "",
                connection: call.connection(device),
                callingDevice: CSTADeviceID(call.callingDevice),
                calledDevice: CSTADeviceID(call.calledDevice),
                divertingDevice: CSTADeviceID(device),
                newDestination: CSTADeviceID(target),
                lastRedirectionDevice: CSTADeviceID(device),
                cause: cause
            ),
            call: callID,
            extra: [(device, .null)]
        )
        route(callID, to: target, cause: cause, originator: originator, redirections: redirections + 1)
    }

    // MARK: Answering and clearing

    /// Answers an alerting connection: EstablishedEvent; in a hunt group call the other agents' connections and the
    /// queue's are cleared (the first answer wins).
    func answer(_ connection: ConnectionID) throws(CSTAError) {
        guard let call = callTable[connection.callID], call.state(of: connection.deviceID) == .alerting else {
            throw PBXErrorCode.invalidConnectionState
        }
        let device = connection.deviceID
        cancelTimers(call.id, device)
        callTable[call.id]?.set(device, .connected)
        if !call.wasAnswered {
            counters.callsAnswered += 1
            callTable[call.id]?.wasAnswered = true
        }
        emit(
            CSTAMessage.established,
            CSTACallEvent(
                monitorCrossRefID: "",
                connection: connection,
                callingDevice: CSTADeviceID(call.callingDevice),
                calledDevice: CSTADeviceID(call.calledDevice),
                answeringDevice: CSTADeviceID(device),
                lastRedirectionDevice: CSTADeviceID(call.lastRedirectionDevice),
                cause: "newCall"
            ),
            call: call.id
        )
        if configuration.style == .real {
            // A private event in the vendor's own namespace, which a gateway must read past.
            emitVendorEvent(call: call.id) { crossRefID in
                .callDetail(monitorCrossRefID: crossRefID, connection: connection, answeringDevice: CSTADeviceID(parsing: device))
            }
        }
        callTable[call.id]?.queue = nil
        for party in call.parties where party.device != device && Self.pendingStates.contains(party.state) {
            removeParty(call.id, party.device, cause: "normalClearing")
        }
    }

    /// Releases a connection (ConnectionClearedEvent); a call left without two parties that can talk ends.
    func clear(_ connection: ConnectionID, cause: String = "normalClearing") throws(CSTAError) {
        guard let call = callTable[connection.callID], let state = call.state(of: connection.deviceID) else {
            throw PBXErrorCode.invalidConnectionID
        }
        if state == .alerting, call.queue != nil {
            // An agent refusing a hunt group call is not offered it again.
            callTable[call.id]?.declinedAgents.insert(connection.deviceID)
        }
        removeParty(call.id, connection.deviceID, cause: cause)
        settle(call.id)
        redistributeQueuedCalls()
    }

    /// Removes `device` from the call with a ConnectionClearedEvent to everyone in it, the leaver included.
    func removeParty(_ callID: String, _ device: String, cause: String) {
        guard let call = callTable[callID], call.state(of: device) != nil else {
            return
        }
        callTable[callID]?.remove(device)
        cancelTimers(callID, device)
        emit(
            CSTAMessage.connectionCleared,
            CSTACallEvent(monitorCrossRefID: "", connection: call.connection(device), releasingDevice: CSTADeviceID(device), cause: cause),
            call: callID,
            extra: [(device, .null)]
        )
    }

    /// Ends the call when what is left cannot go on: fewer than two active parties, or one active party and nobody being
    /// offered the call.
    ///
    /// In the plain style each remaining connection gets its own ConnectionClearedEvent. In the real style the parties
    /// left behind have already heard the leaver's ConnectionClearedEvent (with their own state) and their connections
    /// go without another event, as OpenScape and HiPath end a call; agents still offered a hunt group call are
    /// cleared one by one as in the plain style.
    func settle(_ callID: String) {
        guard let call = callTable[callID] else {
            return
        }
        let active = call.parties.filter { Self.activeStates.contains($0.state) }
        let pending = call.parties.filter { Self.pendingStates.contains($0.state) }
        let survives = active.count >= 2 || (active.count == 1 && !pending.isEmpty)
        if !survives {
            switch configuration.style {
            case .plain:
                for party in call.parties {
                    removeParty(callID, party.device, cause: "normalClearing")
                }
            case .real:
                for party in call.parties where call.queue != nil && Self.pendingStates.contains(party.state) {
                    removeParty(callID, party.device, cause: "normalClearing")
                }
                for party in callTable[callID]?.parties ?? [] {
                    callTable[callID]?.remove(party.device)
                    cancelTimers(callID, party.device)
                }
            }
        }
        if callTable[callID]?.parties.isEmpty == true {
            endCall(callID)
        }
    }

    /// Forgets a call whose connections are all gone.
    private func endCall(_ callID: String) {
        guard let call = callTable.removeValue(forKey: callID) else {
            return
        }
        if let visit = call.voicemailVisit, call.wasAnswered {
            if visit.deposit {
                leaveMessage(for: visit.mailbox)
            } else {
                clearMessages(of: visit.mailbox)
            }
        }
        for key in timers.keys where key.callID == callID {
            timers.removeValue(forKey: key)?.cancel()
        }
        counters.callsCompleted += 1
    }

    /// Offers waiting hunt group calls to agents that became free.
    func redistributeQueuedCalls() {
        for call in callTable.values.sorted(by: { $0.sequence < $1.sequence }) where call.queue != nil {
            distribute(call.id)
        }
    }

    // MARK: Hold, transfer, deflect

    /// Puts a connected connection on hold (HeldEvent).
    func hold(_ connection: ConnectionID, cause: String) throws(CSTAError) {
        guard let call = callTable[connection.callID], call.state(of: connection.deviceID) == .connected else {
            throw PBXErrorCode.invalidConnectionState
        }
        callTable[call.id]?.set(connection.deviceID, .held)
        emit(
            CSTAMessage.held,
            CSTACallEvent(monitorCrossRefID: "", connection: connection, holdingDevice: CSTADeviceID(connection.deviceID), cause: cause),
            call: call.id
        )
    }

    /// Takes a held connection back (RetrievedEvent).
    func retrieve(_ connection: ConnectionID) throws(CSTAError) {
        guard let call = callTable[connection.callID], call.state(of: connection.deviceID) == .held else {
            throw PBXErrorCode.invalidConnectionState
        }
        callTable[call.id]?.set(connection.deviceID, .connected)
        emit(
            CSTAMessage.retrieved,
            CSTACallEvent(monitorCrossRefID: "", connection: connection, retrievingDevice: CSTADeviceID(connection.deviceID), cause: "normal"),
            call: call.id
        )
    }

    /// Blind transfer: the transferring device leaves the call (TransferedEvent, cause `singleStepTransfer`) and the call,
    /// keeping its id, is offered to `target` (DeliveredEvent there, unless forwarding or busy say otherwise).
    func singleStepTransfer(_ connection: ConnectionID, to target: String) throws(CSTAError) {
        guard let call = callTable[connection.callID], let state = call.state(of: connection.deviceID), state == .connected || state == .held
        else {
            throw PBXErrorCode.invalidConnectionState
        }
        let device = connection.deviceID
        guard isDialable(target), target != device, call.state(of: target) == nil else {
            throw PBXErrorCode.invalidDestination
        }
        let others = call.parties.filter { $0.device != device }
        guard let remaining = others.first(where: { $0.state == .connected || $0.state == .held }) else {
            throw PBXErrorCode.invalidConnectionState
        }
        let items =
            others.map {
                CSTAConnectionListItem(
                    newConnection: call.connection($0.device),
                    oldConnection: call.connection($0.device),
                    endpoint: CSTADeviceID($0.device)
                )
            }
            + [CSTAConnectionListItem(newConnection: call.connection(target), endpoint: CSTADeviceID(target))]
        callTable[call.id]?.remove(device)
        cancelTimers(call.id, device)
        callTable[call.id]?.callingDevice = remaining.device
        callTable[call.id]?.calledDevice = target
        callTable[call.id]?.lastRedirectionDevice = device
        emit(
            CSTAMessage.transferred,
            CSTACallEvent(
                monitorCrossRefID: "",
                connection: connection,
                transferringDevice: CSTADeviceID(device),
                transferredToDevice: CSTADeviceID(target),
                transferredConnections: items,
                cause: "singleStepTransfer"
            ),
            call: call.id,
            extra: [(device, .null)]
        )
        route(call.id, to: target, cause: "singleStepTransfer", originator: remaining.device, redirections: 0)
    }

    /// Consultation: the existing call is held (HeldEvent, cause `consultation`) and a new call from the same device to
    /// `target` starts. Returns the consulting device's connection in the new call.
    func consult(_ connection: ConnectionID, to target: String) throws(CSTAError) -> ConnectionID {
        guard let call = callTable[connection.callID], let state = call.state(of: connection.deviceID), state == .connected || state == .held
        else {
            throw PBXErrorCode.invalidConnectionState
        }
        guard isDialable(target), target != connection.deviceID else {
            throw PBXErrorCode.invalidCalledDevice
        }
        if state == .connected {
            try hold(connection, cause: "consultation")
        }
        return try originate(from: connection.deviceID, to: target, cause: "consultation")
    }

    /// Transfer after consultation: the parties of the held call and of the consultation call are joined in a new call and
    /// the transferring device leaves both (TransferedEvent, cause `transfer`, with the old and new connections).
    func transfer(held: ConnectionID, active: ConnectionID) throws(CSTAError) {
        guard held.deviceID == active.deviceID, held.callID != active.callID else {
            throw PBXErrorCode.invalidConnectionID
        }
        guard let heldCall = callTable[held.callID], heldCall.state(of: held.deviceID) == .held else {
            throw PBXErrorCode.noHeldCall
        }
        guard let activeCall = callTable[active.callID], let activeState = activeCall.state(of: active.deviceID),
            activeState == .connected
        else {
            throw PBXErrorCode.noActiveCall
        }
        let device = held.deviceID
        let heldOthers = heldCall.parties.filter { $0.device != device }
        let activeOthers = activeCall.parties.filter { $0.device != device }
        guard let transferredTo = activeOthers.first, !heldOthers.isEmpty,
            Set(heldOthers.map(\.device)).isDisjoint(with: activeOthers.map(\.device))
        else {
            throw PBXErrorCode.invalidConnectionState
        }
        let callID = String(nextCallNumber)
        let merged = Call(
            id: callID,
            sequence: nextCallNumber,
            callingDevice: heldCall.callingDevice == device ? heldOthers.first?.device : heldCall.callingDevice,
            calledDevice: transferredTo.device,
            lastRedirectionDevice: device,
            parties: heldOthers + activeOthers,
            wasAnswered: true
        )
        nextCallNumber += 1
        let items =
            heldOthers.map {
                CSTAConnectionListItem(
                    newConnection: merged.connection($0.device),
                    oldConnection: heldCall.connection($0.device),
                    endpoint: CSTADeviceID($0.device)
                )
            }
            + activeOthers.map {
                CSTAConnectionListItem(
                    newConnection: merged.connection($0.device),
                    oldConnection: activeCall.connection($0.device),
                    endpoint: CSTADeviceID($0.device)
                )
            }
        for key in timers.keys where key.callID == heldCall.id || key.callID == activeCall.id {
            timers.removeValue(forKey: key)?.cancel()
        }
        callTable[heldCall.id] = nil
        callTable[activeCall.id] = nil
        callTable[callID] = merged
        counters.callsStarted += 1
        counters.callsCompleted += 2
        emit(
            CSTAMessage.transferred,
            CSTACallEvent(
                monitorCrossRefID: "",
                connection: held,
                transferringDevice: CSTADeviceID(device),
                transferredToDevice: CSTADeviceID(transferredTo.device),
                secondaryOldCall: active,
                transferredConnections: items,
                cause: "transfer"
            ),
            call: callID,
            extra: [(device, .null)]
        )
        for party in merged.parties where party.state == .alerting {
            armTimers(callID, party.device)
        }
        settle(callID)
    }

    /// Sends an alerting call elsewhere (DivertedEvent, then routing to `target`). With `cause` `callPickup` this is the
    /// first half of a pickup; the picking device then answers.
    ///
    /// A call waiting in a hunt group can be deflected from the group's `queued` connection too (an agent taking it, or
    /// sending it to a number): it leaves the distribution, so agents still offered it stop ringing first.
    func deflect(_ connection: ConnectionID, to target: String, cause: String) throws(CSTAError) {
        guard let call = callTable[connection.callID] else {
            throw PBXErrorCode.invalidConnectionState
        }
        let fromQueue = call.queue == connection.deviceID && call.state(of: connection.deviceID) == .queued
        guard call.state(of: connection.deviceID) == .alerting || fromQueue else {
            throw PBXErrorCode.invalidConnectionState
        }
        let targetOffered = fromQueue && call.state(of: target) == .alerting
        guard isDialable(target), target != connection.deviceID, call.state(of: target) == nil || targetOffered else {
            throw PBXErrorCode.invalidDestination
        }
        if fromQueue {
            callTable[call.id]?.queue = nil
            for party in call.parties where party.device != connection.deviceID && party.state == .alerting {
                removeParty(call.id, party.device, cause: "normalClearing")
            }
        }
        let originator =
            call.parties.first { $0.device != connection.deviceID && Self.activeStates.contains($0.state) }?.device ?? call.callingDevice ?? ""
        divert(call.id, from: connection.deviceID, to: target, cause: cause, originator: originator, redirections: 0)
    }

    /// Whether `number` can be dialled at all (it may still be unassigned or busy).
    private func isDialable(_ number: String) -> Bool {
        configuration.numbering.kind(of: number) != .invalid
    }

    // MARK: Device features

    /// Switches one kind of forwarding on or off (ForwardingEvent). Activation needs a destination, given or kept from
    /// an earlier setting.
    func applyForwarding(device: String, type: CSTAForwardingType, destination: String?, activate: Bool) throws(CSTAError) {
        guard configuration.numbering.kind(of: device) == .extension else {
            throw PBXErrorCode.invalidDeviceID
        }
        guard let kind = ForwardKind(type) else {
            throw PBXErrorCode.valueOutOfRange
        }
        var settings = devices[device] ?? DeviceSettings()
        let target = destination ?? settings.forwards[kind]?.destination
        if activate {
            guard let target, isDialable(target), target != device else {
                throw PBXErrorCode.invalidForwardingDestination
            }
        }
        settings.forwards[kind] = (target, activate)
        devices[device] = settings
        emitDeviceEvent(device) { crossRefID in
            .forwarding(
                CSTAForwardingEvent(
                    monitorCrossRefID: crossRefID,
                    device: CSTADeviceID(parsing: device),
                    forwardingType: type,
                    forwardStatus: activate,
                    forwardTo: CSTADeviceID(target)
                )
            )
        }
    }

    /// Switches do-not-disturb on or off (DoNotDisturbEvent).
    func applyDoNotDisturb(device: String, on: Bool) throws(CSTAError) {
        guard configuration.numbering.kind(of: device) == .extension else {
            throw PBXErrorCode.invalidDeviceID
        }
        devices[device, default: DeviceSettings()].doNotDisturb = on
        emitDeviceEvent(device) { crossRefID in
            .doNotDisturb(CSTADoNotDisturbEvent(monitorCrossRefID: crossRefID, device: CSTADeviceID(parsing: device), doNotDisturbOn: on))
        }
        if !on {
            redistributeQueuedCalls()
        }
    }

    // MARK: Voicemail

    /// A message is left in `device`'s mailbox: its message-waiting indicator goes on with the first one.
    func leaveMessage(for device: String) {
        guard configuration.numbering.kind(of: device) == .extension else {
            return
        }
        devices[device, default: DeviceSettings()].messages += 1
        if devices[device]?.messages == 1 {
            emitMessageWaiting(device, on: true)
        }
    }

    /// `device`'s messages were heard: its indicator goes off.
    func clearMessages(of device: String) {
        guard (devices[device]?.messages ?? 0) > 0 else {
            return
        }
        devices[device]?.messages = 0
        emitMessageWaiting(device, on: false)
    }

    private func emitMessageWaiting(_ device: String, on: Bool) {
        let voicemail = configuration.numbering.voicemail.map { CSTADeviceID(parsing: $0) }
        emitDeviceEvent(device) { crossRefID in
            .messageWaiting(
                CSTAMessageWaitingEvent(
                    monitorCrossRefID: crossRefID,
                    device: CSTADeviceID(parsing: device),
                    deviceForMessage: voicemail,
                    messageWaitingOn: on
                )
            )
        }
    }

    // MARK: Timers

    /// Starts (or restarts) a timer that calls `timerFired(_:)` after `delay`.
    private func startTimer(_ key: TimerKey, after delay: Duration) {
        timers[key]?.cancel()
        timers[key] = Task {
            do {
                try await Task.sleep(for: delay)
            } catch {
                return
            }
            self.timerFired(key)
        }
    }

    /// Cancels the timers of one connection.
    func cancelTimers(_ callID: String, _ device: String) {
        for kind in [TimerKind.noAnswer, .externalAnswer] {
            timers.removeValue(forKey: TimerKey(callID: callID, device: device, kind: kind))?.cancel()
        }
    }

    /// A timer expired: forward the unanswered call, or let the trunk party answer, if the connection still rings.
    private func timerFired(_ key: TimerKey) {
        guard timers.removeValue(forKey: key) != nil, let call = callTable[key.callID], call.state(of: key.device) == .alerting else {
            return
        }
        switch key.kind {
        case .noAnswer:
            guard let target = devices[key.device]?.activeForward(.noAnswer) else {
                return
            }
            let originator = call.parties.first { Self.activeStates.contains($0.state) }?.device ?? call.callingDevice ?? ""
            divert(call.id, from: key.device, to: target, cause: "callForwardNoAnswer", originator: originator, redirections: 1)
        case .externalAnswer:
            try? answer(call.connection(key.device))
        }
        flush()
    }
}

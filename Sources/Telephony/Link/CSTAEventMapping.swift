import Domain

/// Turns decoded CSTA messages into Domain's PBX-neutral events and Domain's commands into CSTA requests.
enum CSTAEventMapping {
    static func state(_ state: CSTAConnectionState?) -> ConnectionState? {
        switch state {
        case .initiated: .initiated
        case .alerting: .alerting
        case .connected: .connected
        case .held: .held
        case .queued: .queued
        case .fail: .failed
        case .null, .other, nil: nil
        }
    }

    static func forwardingKind(_ type: CSTAForwardingType) -> ForwardingKind? {
        switch type {
        case .immediate: .immediate
        case .busy: .busy
        case .noAnswer: .noAnswer
        case .other: nil
        }
    }

    static func forwardingType(_ kind: ForwardingKind) -> CSTAForwardingType {
        switch kind {
        case .immediate: .immediate
        case .busy: .busy
        case .noAnswer: .noAnswer
        }
    }

    /// The Domain event for a CSTA event reported on `device`'s monitor; nil for messages that are not device events.
    static func event(_ message: CSTAMessage, device: String) -> SwitchEvent? {
        let kind: SwitchCallEvent.Kind
        switch message {
        case .serviceInitiated: kind = .serviceInitiated
        case .originated: kind = .originated
        case .delivered: kind = .delivered
        case .established: kind = .established
        case .connectionCleared: kind = .connectionCleared
        case .held: kind = .held
        case .retrieved: kind = .retrieved
        case .transferred: kind = .transferred
        case .diverted: kind = .diverted
        case .failed: kind = .failed
        case .queued: kind = .queued
        case .forwarding(let event):
            guard let type = event.forwardingType, let kind = forwardingKind(type) else { return nil }
            return .forwarding(device: device, ForwardingSetting(kind: kind, enabled: event.forwardStatus, destination: event.forwardTo?.number))
        case .doNotDisturb(let event):
            return .doNotDisturb(device: device, enabled: event.doNotDisturbOn)
        case .messageWaiting(let event):
            return .messageWaiting(device: device, waiting: event.messageWaitingOn, reported: true)
        default:
            return nil
        }
        guard let event = message.callEvent else { return nil }
        return .call(
            SwitchCallEvent(
                kind: kind,
                device: device,
                callId: event.connection.callID,
                connectionDevice: event.connection.deviceID.isEmpty ? nil : event.connection.device.number,
                connectionRaw: event.connection.deviceID.isEmpty ? nil : event.connection.deviceID,
                localState: state(event.localConnectionInfo),
                localStateNull: event.localConnectionInfo == .null,
                callingDevice: event.callingDevice?.number,
                calledDevice: event.calledDevice?.number,
                alertingDevice: event.alertingDevice?.number,
                answeringDevice: event.answeringDevice?.number,
                releasingDevice: event.releasingDevice?.number,
                holdingDevice: event.holdingDevice?.number,
                retrievingDevice: event.retrievingDevice?.number,
                transferringDevice: event.transferringDevice?.number,
                transferredToDevice: event.transferredToDevice?.number,
                divertingDevice: event.divertingDevice?.number,
                newDestination: event.newDestination?.number,
                queue: event.queue?.number,
                lastRedirectionDevice: event.lastRedirectionDevice?.number,
                secondaryCallId: event.secondaryOldCall?.callID,
                resultingConnections: event.transferredConnections.compactMap { item in
                    guard let connection = item.newConnection else { return nil }
                    return CallRef(
                        callId: connection.callID,
                        device: item.endpoint?.number ?? connection.device.number,
                        connectionDevice: connection.deviceID
                    )
                },
                cause: event.cause
            )
        )
    }

    static func request(_ command: SwitchCommand) -> CSTARequest {
        // A connection is named as the PBX wrote it when it did (`N<1001>;noa=nk`), else by the device's number.
        func connection(_ call: CallRef) -> ConnectionID { ConnectionID(callID: call.callId, deviceID: call.connectionDevice ?? call.device) }
        switch command {
        case .makeCall(let device, let number): return .makeCall(callingDevice: device, calledDirectoryNumber: number)
        case .answer(let call): return .answerCall(connection(call))
        case .clear(let call): return .clearConnection(connection(call))
        case .hold(let call): return .holdCall(connection(call))
        case .retrieve(let call): return .retrieveCall(connection(call))
        case .singleStepTransfer(let call, let to): return .singleStepTransferCall(activeCall: connection(call), transferredTo: to)
        case .consult(let call, let to): return .consultationCall(existingCall: connection(call), consultedDevice: to)
        case .transfer(let held, let active): return .transferCall(heldCall: connection(held), activeCall: connection(active))
        case .deflect(let call, let to): return .deflectCall(callToBeDiverted: connection(call), newDestination: to)
        case .setForwarding(let device, let setting):
            return .setForwarding(
                device: device,
                forwardingType: forwardingType(setting.kind),
                forwardDN: setting.destination,
                activate: setting.enabled
            )
        case .getForwarding(let device): return .getForwarding(device: device)
        case .setDoNotDisturb(let device, let enabled): return .setDoNotDisturb(device: device, doNotDisturbOn: enabled)
        case .snapshot(let device): return .snapshotDevice(device: device)
        }
    }

    static func reply(_ message: CSTAMessage, to command: SwitchCommand) -> SwitchReply {
        switch message {
        case .makeCallResponse(let calling):
            .call(placedCall(calling, command))
        case .consultationCallResponse(let initiated):
            .call(placedCall(initiated, command))
        case .getForwardingResponse(let settings):
            .forwarding(
                settings.compactMap { setting in
                    forwardingKind(setting.forwardingType).map {
                        ForwardingSetting(kind: $0, enabled: setting.forwardStatus, destination: setting.forwardDN?.number)
                    }
                }
            )
        default:
            .done
        }
    }

    /// The new call at the commanding device: the device keeps the number the gateway knows it by, and the connection
    /// the PBX's own spelling of it when that differs.
    static func placedCall(_ connection: ConnectionID, _ command: SwitchCommand) -> CallRef {
        let raw = connection.deviceID
        return CallRef(callId: connection.callID, device: command.device, connectionDevice: raw.isEmpty || raw == command.device ? nil : raw)
    }

    /// The snapshot entries the call model understands (states it does not model are left out).
    static func snapshotEntries(_ calls: [CSTASnapshotCall]) -> [SnapshotEntry] {
        calls.compactMap { call in
            state(call.localCallState).map {
                SnapshotEntry(
                    callId: call.connection.callID,
                    state: $0,
                    connectionDevice: call.connection.deviceID.isEmpty ? nil : call.connection.deviceID
                )
            }
        }
    }
}

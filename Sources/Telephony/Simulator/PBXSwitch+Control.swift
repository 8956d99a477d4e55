/// What people do at the phones: the PBX-side control of the simulated switch, for tests, scenarios, load and the demo.
///
/// Each action changes the model and sends the resulting events to the monitors at once, exactly as the equivalent
/// CSTA request would (but without a response). A refusal throws the CSTA error the request would have answered.
extension PBXSwitch {
    /// `caller` goes off-hook and dials `destination` (ServiceInitiated and Originated at the caller, then Delivered, or
    /// Failed, Diverted, Queued, as the destination dictates). `caller` may be a trunk number ("0612345678") calling in.
    /// Returns the caller's connection.
    @discardableResult
    public func placeCall(from caller: String, to destination: String) throws(CSTAError) -> ConnectionID {
        defer { flush() }
        return try originate(from: caller, to: destination, cause: "newCall")
    }

    /// `device` (an extension or a trunk party) picks up its ringing call (the oldest one when several ring).
    @discardableResult
    public func answer(device: String) throws(CSTAError) -> ConnectionID {
        defer { flush() }
        guard let ringing = connections(of: device).first(where: { $0.state == .alerting }) else {
            throw PBXErrorCode.noCallToAnswer
        }
        try answer(ringing.connection)
        return ringing.connection
    }

    /// Answers one alerting connection.
    public func answer(connection: ConnectionID) throws(CSTAError) {
        defer { flush() }
        try answer(try locate(connection))
    }

    /// `device` hangs up: every one of its connections is cleared, oldest call first.
    public func hangUp(device: String) throws(CSTAError) {
        defer { flush() }
        guard !connections(of: device).isEmpty else {
            throw PBXErrorCode.noConnectionToClear
        }
        while let next = connections(of: device).first {
            try clear(next.connection)
        }
    }

    /// Clears one connection.
    public func hangUp(connection: ConnectionID) throws(CSTAError) {
        defer { flush() }
        try clear(try locate(connection))
    }

    /// `device` puts its connected call on hold.
    public func hold(device: String) throws(CSTAError) {
        defer { flush() }
        try hold(try connection(of: device, in: .connected, otherwise: PBXErrorCode.noActiveCall), cause: "normal")
    }

    /// `device` takes its held call back.
    public func retrieve(device: String) throws(CSTAError) {
        defer { flush() }
        try retrieve(try connection(of: device, in: .held, otherwise: PBXErrorCode.noHeldCall))
    }

    /// `device` blind-transfers its connected call to `target`.
    public func transfer(device: String, to target: String) throws(CSTAError) {
        defer { flush() }
        try singleStepTransfer(try connection(of: device, in: .connected, otherwise: PBXErrorCode.noActiveCall), to: target)
    }

    /// `device` holds its connected call and calls `target`; returns its connection in the new call.
    @discardableResult
    public func consult(device: String, to target: String) throws(CSTAError) -> ConnectionID {
        defer { flush() }
        return try consult(try connection(of: device, in: .connected, otherwise: PBXErrorCode.noActiveCall), to: target)
    }

    /// `device` completes a consultation transfer: its held call and its connected call are joined.
    public func completeTransfer(device: String) throws(CSTAError) {
        defer { flush() }
        let held = try connection(of: device, in: .held, otherwise: PBXErrorCode.noHeldCall)
        let active = try connection(of: device, in: .connected, otherwise: PBXErrorCode.noActiveCall)
        try transfer(held: held, active: active)
    }

    /// `device` sends its ringing call to `target`.
    public func deflect(device: String, to target: String) throws(CSTAError) {
        defer { flush() }
        try deflect(try connection(of: device, in: .alerting, otherwise: PBXErrorCode.noCallToAnswer), to: target, cause: "redirected")
    }

    /// `picker` takes the call ringing at `ringingDevice`: the call is deflected to the picker (DivertedEvent, cause
    /// `callPickup`, then Delivered at the picker) and the picker answers it (Established). This is also what a gateway
    /// does with DeflectCall followed by AnswerCall. Returns the picker's connection.
    @discardableResult
    public func pickUp(device picker: String, ringingAt ringingDevice: String) throws(CSTAError) -> ConnectionID {
        defer { flush() }
        let ringing = try connection(of: ringingDevice, in: .alerting, otherwise: PBXErrorCode.noCallToAnswer)
        try deflect(ringing, to: picker, cause: "callPickup")
        let picked = ConnectionID(callID: ringing.callID, deviceID: picker)
        try answer(picked)
        return picked
    }

    /// Makes `device` busy (or free again) regardless of its calls, as if its line were engaged elsewhere.
    public func setBusy(_ device: String, _ busy: Bool) {
        if busy {
            busyDevices.insert(device)
        } else {
            busyDevices.remove(device)
            redistributeQueuedCalls()
            flush()
        }
    }

    /// The voicemail system records a message for `device` (MessageWaitingEvent on with the first one), as when a
    /// caller diverted to the voicemail number speaks after the tone.
    public func leaveVoicemail(for device: String) throws(CSTAError) {
        guard configuration.numbering.kind(of: device) == .extension else {
            throw PBXErrorCode.invalidDeviceID
        }
        leaveMessage(for: device)
        flush()
    }

    /// `device`'s owner listened to their messages (MessageWaitingEvent off).
    public func hearVoicemail(of device: String) {
        clearMessages(of: device)
        flush()
    }

    /// Switches `device`'s do-not-disturb from the phone (DoNotDisturbEvent to its monitors).
    public func setDoNotDisturb(device: String, on: Bool) throws(CSTAError) {
        defer { flush() }
        try applyDoNotDisturb(device: device, on: on)
    }

    /// Sets `device`'s forwarding from the phone (ForwardingEvent to its monitors).
    public func setForwarding(device: String, type: CSTAForwardingType, to destination: String?, active: Bool) throws(CSTAError) {
        defer { flush() }
        try applyForwarding(device: device, type: type, destination: destination, activate: active)
    }

    /// `device`'s oldest connection in `state`, or `error`.
    private func connection(of device: String, in state: CSTAConnectionState, otherwise error: CSTAError) throws(CSTAError) -> ConnectionID {
        guard let match = connections(of: device).first(where: { $0.state == state }) else {
            throw error
        }
        return match.connection
    }
}

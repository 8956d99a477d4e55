/// A scripted call story played at the phones of the simulated switch, for tests and the demo.
///
/// `run(on:pace:)` drives the switch through the PBX-side actions (a phone dials, answers, holds, transfers, hangs up)
/// and leaves the devices as it found them (forwarding, do-not-disturb and busy are switched back off). A gateway that
/// monitors the devices sees the event sequence a real switch would send for that story.
public enum SimulatorScenario: Sendable, Hashable, CustomStringConvertible {
    /// The caller calls, the callee answers, the caller hangs up.
    case basicCall(caller: String, callee: String)
    /// The caller gives up while the callee is still ringing (a missed call).
    case callerHangsUpWhileRinging(caller: String, callee: String)
    /// The callee is busy: the call fails with cause `busy` at the caller, who hangs up.
    case busy(caller: String, callee: String)
    /// A call is answered, put on hold by the caller, retrieved, and hung up.
    case holdAndRetrieve(caller: String, callee: String)
    /// The callee answers and blind-transfers the call to `target`, who answers; the caller hangs up.
    case blindTransfer(caller: String, callee: String, target: String)
    /// The callee answers, consults `target` (who answers) and completes the transfer; the caller hangs up.
    case consultationTransfer(caller: String, callee: String, target: String)
    /// The callee forwards everything to `target`, who answers.
    case forwardImmediate(caller: String, callee: String, target: String)
    /// The busy callee forwards to `target`, who answers.
    case forwardBusy(caller: String, callee: String, target: String)
    /// The callee does not answer within the no-answer timeout; the call goes to `target`, who answers.
    case forwardNoAnswer(caller: String, callee: String, target: String)
    /// The ringing callee deflects the call to `target`, who answers.
    case deflect(caller: String, callee: String, target: String)
    /// `picker` picks up the call ringing at the callee (DeflectCall to the picker, then AnswerCall).
    case pickup(caller: String, callee: String, picker: String)
    /// The callee has do-not-disturb on: the call fails with cause `doNotDisturb`.
    case doNotDisturb(caller: String, callee: String)
    /// The caller calls a hunt group: Queued at the queue, Delivered at each free agent, the first agent answers.
    case queue(caller: String, queue: String)
    /// A trunk number calls in to an extension, which answers; the outside party hangs up.
    case inboundExternal(external: String, callee: String)
    /// An extension calls a trunk number, which answers; the extension hangs up.
    case outboundExternal(caller: String, external: String)

    /// The command-line names of the scenarios, in the order of the cases.
    public static let names = [
        "basic-call", "caller-hangs-up", "busy", "hold-retrieve", "blind-transfer", "consultation-transfer", "forward-immediate",
        "forward-busy", "forward-no-answer", "deflect", "pickup", "do-not-disturb", "queue", "inbound-external", "outbound-external",
    ]

    /// The scenario called `name` (see `names`), played between `devices` (the caller first; three are needed by the
    /// transfer, forward, deflect and pickup stories), the hunt group `queue` and the trunk number `external`.
    public init?(name: String, devices: [String], queue: String? = nil, external: String = "0612345678") {
        guard devices.count >= 2 else {
            return nil
        }
        let (first, second) = (devices[0], devices[1])
        let third = devices.count > 2 ? devices[2] : nil
        switch (name, third) {
        case ("basic-call", _): self = .basicCall(caller: first, callee: second)
        case ("caller-hangs-up", _): self = .callerHangsUpWhileRinging(caller: first, callee: second)
        case ("busy", _): self = .busy(caller: first, callee: second)
        case ("hold-retrieve", _): self = .holdAndRetrieve(caller: first, callee: second)
        case ("blind-transfer", let target?): self = .blindTransfer(caller: first, callee: second, target: target)
        case ("consultation-transfer", let target?): self = .consultationTransfer(caller: first, callee: second, target: target)
        case ("forward-immediate", let target?): self = .forwardImmediate(caller: first, callee: second, target: target)
        case ("forward-busy", let target?): self = .forwardBusy(caller: first, callee: second, target: target)
        case ("forward-no-answer", let target?): self = .forwardNoAnswer(caller: first, callee: second, target: target)
        case ("deflect", let target?): self = .deflect(caller: first, callee: second, target: target)
        case ("pickup", let picker?): self = .pickup(caller: first, callee: second, picker: picker)
        case ("do-not-disturb", _): self = .doNotDisturb(caller: first, callee: second)
        case ("queue", _):
            guard let queue else {
                return nil
            }
            self = .queue(caller: first, queue: queue)
        case ("inbound-external", _): self = .inboundExternal(external: external, callee: first)
        case ("outbound-external", _): self = .outboundExternal(caller: first, external: external)
        default: return nil
        }
    }

    /// The command-line name, e.g. `blind-transfer`.
    public var name: String {
        switch self {
        case .basicCall: "basic-call"
        case .callerHangsUpWhileRinging: "caller-hangs-up"
        case .busy: "busy"
        case .holdAndRetrieve: "hold-retrieve"
        case .blindTransfer: "blind-transfer"
        case .consultationTransfer: "consultation-transfer"
        case .forwardImmediate: "forward-immediate"
        case .forwardBusy: "forward-busy"
        case .forwardNoAnswer: "forward-no-answer"
        case .deflect: "deflect"
        case .pickup: "pickup"
        case .doNotDisturb: "do-not-disturb"
        case .queue: "queue"
        case .inboundExternal: "inbound-external"
        case .outboundExternal: "outbound-external"
        }
    }

    /// `blind-transfer(1001, 1002, 1003)`.
    public var description: String {
        "\(name)(\(devices.joined(separator: ", ")))"
    }

    /// The devices the scenario uses, in order.
    public var devices: [String] {
        switch self {
        case .basicCall(let caller, let callee), .callerHangsUpWhileRinging(let caller, let callee), .busy(let caller, let callee),
            .holdAndRetrieve(let caller, let callee), .doNotDisturb(let caller, let callee):
            [caller, callee]
        case .blindTransfer(let caller, let callee, let target), .consultationTransfer(let caller, let callee, let target),
            .forwardImmediate(let caller, let callee, let target), .forwardBusy(let caller, let callee, let target),
            .forwardNoAnswer(let caller, let callee, let target), .deflect(let caller, let callee, let target),
            .pickup(let caller, let callee, let target):
            [caller, callee, target]
        case .queue(let caller, let queue): [caller, queue]
        case .inboundExternal(let external, let callee): [external, callee]
        case .outboundExternal(let caller, let external): [caller, external]
        }
    }

    /// Plays the scenario on `pbx`, pausing `pace` between steps (zero: no pause, for tests). Throws the CSTA error of
    /// a step the switch refused (e.g. a device already in a call), or `PBXSwitch.WaitTimeout`.
    public func run(on pbx: PBXSwitch, pace: Duration = .zero) async throws {
        let step = Pacer(pace: pace)
        switch self {
        case .basicCall(let caller, let callee):
            try await pbx.placeCall(from: caller, to: callee)
            try await step()
            try await pbx.answer(device: callee)
            try await step()
            try await pbx.hangUp(device: caller)
        case .callerHangsUpWhileRinging(let caller, let callee):
            try await pbx.placeCall(from: caller, to: callee)
            try await step()
            try await pbx.hangUp(device: caller)
        case .busy(let caller, let callee):
            await pbx.setBusy(callee, true)
            try await pbx.placeCall(from: caller, to: callee)
            try await step()
            try await pbx.hangUp(device: caller)
            await pbx.setBusy(callee, false)
        case .holdAndRetrieve(let caller, let callee):
            try await pbx.placeCall(from: caller, to: callee)
            try await pbx.answer(device: callee)
            try await step()
            try await pbx.hold(device: caller)
            try await step()
            try await pbx.retrieve(device: caller)
            try await step()
            try await pbx.hangUp(device: caller)
        case .blindTransfer(let caller, let callee, let target):
            try await pbx.placeCall(from: caller, to: callee)
            try await pbx.answer(device: callee)
            try await step()
            try await pbx.transfer(device: callee, to: target)
            try await step()
            try await pbx.answer(device: target)
            try await step()
            try await pbx.hangUp(device: caller)
        case .consultationTransfer(let caller, let callee, let target):
            try await pbx.placeCall(from: caller, to: callee)
            try await pbx.answer(device: callee)
            try await step()
            try await pbx.consult(device: callee, to: target)
            try await step()
            try await pbx.answer(device: target)
            try await step()
            try await pbx.completeTransfer(device: callee)
            try await step()
            try await pbx.hangUp(device: caller)
        case .forwardImmediate(let caller, let callee, let target):
            try await pbx.setForwarding(device: callee, type: .immediate, to: target, active: true)
            try await pbx.placeCall(from: caller, to: callee)
            try await step()
            try await pbx.answer(device: target)
            try await step()
            try await pbx.hangUp(device: caller)
            try await pbx.setForwarding(device: callee, type: .immediate, to: target, active: false)
        case .forwardBusy(let caller, let callee, let target):
            try await pbx.setForwarding(device: callee, type: .busy, to: target, active: true)
            await pbx.setBusy(callee, true)
            try await pbx.placeCall(from: caller, to: callee)
            try await step()
            try await pbx.answer(device: target)
            try await step()
            try await pbx.hangUp(device: caller)
            await pbx.setBusy(callee, false)
            try await pbx.setForwarding(device: callee, type: .busy, to: target, active: false)
        case .forwardNoAnswer(let caller, let callee, let target):
            try await pbx.setForwarding(device: callee, type: .noAnswer, to: target, active: true)
            try await pbx.placeCall(from: caller, to: callee)
            try await pbx.waitFor(.alerting, at: target, timeout: pbx.configuration.noAnswerTimeout + .seconds(10))
            try await step()
            try await pbx.answer(device: target)
            try await step()
            try await pbx.hangUp(device: caller)
            try await pbx.setForwarding(device: callee, type: .noAnswer, to: target, active: false)
        case .deflect(let caller, let callee, let target):
            try await pbx.placeCall(from: caller, to: callee)
            try await step()
            try await pbx.deflect(device: callee, to: target)
            try await step()
            try await pbx.answer(device: target)
            try await step()
            try await pbx.hangUp(device: caller)
        case .pickup(let caller, let callee, let picker):
            try await pbx.placeCall(from: caller, to: callee)
            try await step()
            try await pbx.pickUp(device: picker, ringingAt: callee)
            try await step()
            try await pbx.hangUp(device: caller)
        case .doNotDisturb(let caller, let callee):
            try await pbx.setDoNotDisturb(device: callee, on: true)
            try await pbx.placeCall(from: caller, to: callee)
            try await step()
            try await pbx.hangUp(device: caller)
            try await pbx.setDoNotDisturb(device: callee, on: false)
        case .queue(let caller, let queue):
            let call = try await pbx.placeCall(from: caller, to: queue)
            try await step()
            let ringing = await pbx.calls().first { $0.callID == call.callID }?.connections.first { $0.state == .alerting }
            if let ringing {
                try await pbx.answer(connection: ringing.connection)
                try await step()
            }
            try await pbx.hangUp(device: caller)
        case .inboundExternal(let external, let callee):
            try await pbx.placeCall(from: external, to: callee)
            try await step()
            try await pbx.answer(device: callee)
            try await step()
            try await pbx.hangUp(device: external)
        case .outboundExternal(let caller, let external):
            try await pbx.placeCall(from: caller, to: external)
            try await step()
            do {
                try await pbx.answer(device: external)
            } catch {
                // The trunk party may answer by itself (externalAnswerDelay): wait for that instead.
                try await pbx.waitFor(.connected, at: external, timeout: (pbx.configuration.externalAnswerDelay ?? .zero) + .seconds(10))
            }
            try await step()
            try await pbx.hangUp(device: caller)
        }
    }
}

/// Pauses between the steps of a scenario (not at all for a zero pace).
private struct Pacer {
    let pace: Duration

    func callAsFunction() async throws {
        if pace > .zero {
            try await Task.sleep(for: pace)
        }
    }
}

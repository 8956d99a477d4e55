import Foundation

/// Tells supervisors of missed calls on the lines they supervise (issue 17, "Supervision alerts"): an incoming call
/// that ended unanswered at a device of an intercom group is pushed as `missed_call` to the users authorised to that
/// group, with its caller named from the directories as call events name callers.
///
/// Who receives is the push audience's business (`PushAudience.intercom`, matched against each subscriber's
/// `supervisedDevices`), so nothing here looks up supervisors. The store is read only when a call was missed, once for
/// the calls that finished together: which of their devices are intercom lines, and whose they are.
struct MissedCallAlerts: Sendable {
    let publisher: any PushPublisher
    let store: any TenantStore
    let callerNames: (any CallerNameResolver)?

    /// The alerts of `pipeline`'s calls: its publisher and caller names, and the store behind its dialing plans.
    init(_ pipeline: CallEventPipeline) {
        self.publisher = pipeline.publisher
        self.store = pipeline.plans.store
        self.callerNames = pipeline.callerNames
    }

    /// Publishes a `missed_call` event for each call of `finished` that is missed at an intercom-group device. Calls
    /// answered elsewhere (a hunt group's other agents) never reach here: the call model does not finish them.
    func publish(_ finished: [FinishedCall], domainId: Int64, time: Date) async {
        let missed = finished.filter(Self.isMissed)
        guard !missed.isEmpty else { return }
        let numbers = missed.map(\.device)
        // Alerts are a side show of the call path: a store that cannot answer costs them, never the call events.
        guard
            let lines = try? await store.read({ tx -> [String: Int64?] in
                let grouped = Set(try tx.intercomGroups(domainId: domainId).flatMap { $0.devices.flatMap(\.numbers) })
                let owners = try tx.devices(domainId: domainId, numbers: numbers)
                var lines: [String: Int64?] = [:]
                for number in numbers where grouped.contains(number) {
                    lines[number] = owners.first { $0.number == number }?.userId
                }
                return lines
            })
        else { return }
        for call in missed {
            guard let owner = lines[call.device] else { continue }
            var callerName: String?
            if let callerNames, let number = call.peerNumber, !number.isEmpty {
                callerName = await callerNames.callerName(domainId: domainId, device: call.device, number: number)
            }
            publisher.publish(
                domainId: domainId,
                audience: .intercom(call.device),
                event: PushEvent(
                    type: .missedCall,
                    time: time,
                    missedCall: MissedCallPayload(
                        callId: call.callId,
                        device: call.device,
                        userId: owner,
                        callerNumber: call.peerNumber,
                        callerName: callerName,
                        startedAt: call.startedAt
                    )
                )
            )
        }
    }

    /// An incoming call nobody answered at its device, ended by the caller or the PBX rather than by the gateway
    /// losing sight of it (a link that dropped, a device no longer supervised): those are not missed by anyone.
    static func isMissed(_ call: FinishedCall) -> Bool {
        guard call.kind == .missed else { return false }
        switch call.cause {
        case "link_lost", "no_longer_reported", "monitor_stopped": return false
        default: return true
        }
    }
}

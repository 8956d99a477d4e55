import Foundation

/// Tells supervisors of missed calls on the lines they supervise (issue 17, "Supervision alerts"): an incoming call
/// that ended unanswered at a device of an intercom group is pushed as `missed_call` to the users authorised to that
/// group, with its caller named from the directories as call events name callers.
///
/// Who receives is the push audience's business (`PushAudience.intercom`, matched against each subscriber's
/// `supervisedDevices`), so nothing here looks up supervisors. Which devices are intercom lines, and whose they are,
/// is read once per configuration version, when a call is first missed: the PBX event path does not wait on the
/// database for it while the configuration stays the same.
struct MissedCallAlerts: Sendable {
    let publisher: any PushPublisher
    let store: any TenantStore
    let callerNames: (any CallerNameResolver)?
    /// Per domain: each intercom-group device and its owner (nil for a device no user owns).
    private let lines = VersionedCache<Int64, [String: Int64?]>()

    init(publisher: any PushPublisher, store: any TenantStore, callerNames: (any CallerNameResolver)?) {
        self.publisher = publisher
        self.store = store
        self.callerNames = callerNames
    }

    /// Publishes a `missed_call` event for each call of `finished` that is missed at an intercom-group device. Calls
    /// answered elsewhere (a hunt group's other agents) never reach here: the call model does not finish them.
    func publish(_ finished: [FinishedCall], domainId: Int64, time: Date) async {
        let missed = finished.filter(Self.isMissed)
        guard !missed.isEmpty else { return }
        let version = store.configurationVersion
        let lines: [String: Int64?]
        if let cached = self.lines.cached(domainId, version: version) {
            lines = cached
        } else {
            // Alerts are a side show of the call path: a store that cannot answer costs them, never the call events.
            guard
                let read = try? await store.read({ tx -> [String: Int64?] in
                    let grouped = Set(try tx.intercomGroups(domainId: domainId).flatMap { $0.devices.flatMap(\.numbers) }).sorted()
                    let owners = try tx.devices(domainId: domainId, numbers: grouped)
                    var lines: [String: Int64?] = [:]
                    for number in grouped { lines[number] = owners.first { $0.number == number }?.userId }
                    return lines
                })
            else { return }
            self.lines.keep(read, for: domainId, version: version)
            lines = read
        }
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
        isMissed(kind: call.kind, cause: call.cause)
    }

    /// The same rule for a call-log line (missed-call e-mails, issue 20).
    static func isMissed(kind: CallLogKind, cause: String?) -> Bool {
        guard kind == .missed else { return false }
        switch cause {
        case "link_lost", "no_longer_reported", "monitor_stopped": return false
        default: return true
        }
    }
}

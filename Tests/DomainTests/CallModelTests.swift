import Domain
import Foundation
import Testing

/// The call model fed with the event copies a switch sends to each monitored party.
@Suite("Call model")
struct CallModelTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func call(
        _ kind: SwitchCallEvent.Kind,
        at device: String,
        _ callId: String = "c1",
        _ fill: (inout SwitchCallEvent) -> Void = { _ in }
    ) -> SwitchEvent {
        var event = SwitchCallEvent(kind: kind, device: device, callId: callId)
        fill(&event)
        return .call(event)
    }

    func monitored(_ devices: String...) -> CallModel {
        var model = CallModel()
        for device in devices { _ = model.apply(.monitored(device: device, true), at: t0) }
        return model
    }

    @Test("An answered call: presence ringing then busy then idle, an outgoing and an incoming log with the talk time")
    func answeredCall() {
        var model = monitored("1001", "1002")
        _ = model.apply(call(.serviceInitiated, at: "1001"), at: t0)
        _ = model.apply(
            call(.originated, at: "1001") {
                $0.callingDevice = "1001"
                $0.calledDevice = "1002"
            },
            at: t0
        )
        let delivered = model.apply(
            call(.delivered, at: "1002") {
                $0.callingDevice = "1001"
                $0.alertingDevice = "1002"
            },
            at: t0
        )
        #expect(model.line("1002")?.presence == .ringing)
        #expect(delivered.events.contains { $0.event.devicePresence == DevicePresencePayload(device: "1002", presence: .ringing) })
        _ = model.apply(
            call(.delivered, at: "1001") {
                $0.callingDevice = "1001"
                $0.alertingDevice = "1002"
            },
            at: t0
        )
        for device in ["1001", "1002"] {
            _ = model.apply(
                call(.established, at: device) {
                    $0.answeringDevice = "1002"
                    $0.callingDevice = "1001"
                },
                at: t0.addingTimeInterval(5)
            )
        }
        #expect(model.line("1001")?.presence == .busy)
        #expect(model.line("1002")?.calls.first?.state == .connected)
        var finished: [FinishedCall] = []
        for device in ["1001", "1002"] {
            finished +=
                model.apply(
                    call(.connectionCleared, at: device) {
                        $0.releasingDevice = "1001"
                        $0.connectionDevice = "1001"
                    },
                    at: t0.addingTimeInterval(65)
                ).finished
        }
        #expect(model.line("1001")?.presence == .idle)
        #expect(model.line("1002")?.calls.isEmpty == true)
        #expect(finished.map(\.kind) == [.outgoing, .incoming])
        #expect(finished.map(\.peerNumber) == ["1002", "1001"])
        #expect(finished.allSatisfy { $0.answeredAt == t0.addingTimeInterval(5) && $0.endedAt == t0.addingTimeInterval(65) })
    }

    @Test("A call that rings and is abandoned is missed at the callee")
    func missedCall() {
        var model = monitored("1002")
        _ = model.apply(
            call(.delivered, at: "1002") {
                $0.callingDevice = "0612345678"
                $0.alertingDevice = "1002"
            },
            at: t0
        )
        let out = model.apply(
            call(.connectionCleared, at: "1002") {
                $0.releasingDevice = "0612345678"
                $0.connectionDevice = "0612345678"
            },
            at: t0.addingTimeInterval(20)
        )
        #expect(out.finished.map(\.kind) == [.missed])
        #expect(out.finished.first?.peerNumber == "0612345678")
    }

    @Test("A party leaving a call of three does not end it for the others; the last one leaving does")
    func partyLeavesConference() {
        var model = monitored("1001")
        for joining in ["1003", "1004"] {
            _ = model.apply(
                call(.established, at: "1001") {
                    $0.answeringDevice = joining
                    $0.callingDevice = "1001"
                    $0.localState = .connected
                },
                at: t0
            )
        }
        let first = model.apply(
            call(.connectionCleared, at: "1001") {
                $0.releasingDevice = "1003"
                $0.connectionDevice = "1003"
                $0.localState = .connected
            },
            at: t0.addingTimeInterval(30)
        )
        #expect(first.finished.isEmpty)
        #expect(model.line("1001")?.calls.map(\.state) == [.connected])
        let last = model.apply(
            call(.connectionCleared, at: "1001") {
                $0.releasingDevice = "1004"
                $0.connectionDevice = "1004"
                $0.localState = .connected
            },
            at: t0.addingTimeInterval(60)
        )
        #expect(last.finished.map(\.kind) == [.outgoing])
        #expect(last.finished.first?.endedAt == t0.addingTimeInterval(60))
        #expect(model.line("1001")?.calls.isEmpty == true)
        #expect(last.events.compactMap(\.event.call).map { "\($0.event) \($0.state)" } == ["cleared cleared"])
    }

    @Test("Hold and retrieve change only the holding device's state")
    func holdRetrieve() {
        var model = monitored("1001", "1002")
        for device in ["1001", "1002"] {
            _ = model.apply(
                call(.established, at: device) {
                    $0.answeringDevice = "1002"
                    $0.callingDevice = "1001"
                },
                at: t0
            )
        }
        for device in ["1001", "1002"] { _ = model.apply(call(.held, at: device) { $0.holdingDevice = "1001" }, at: t0) }
        #expect(model.line("1001")?.presence == .held)
        #expect(model.line("1002")?.presence == .busy)
        for device in ["1001", "1002"] { _ = model.apply(call(.retrieved, at: device) { $0.retrievingDevice = "1001" }, at: t0) }
        #expect(model.line("1001")?.calls.first?.state == .connected)
    }

    @Test("A transfer ends the call at the transferring device and renames it at the remaining one")
    func transfer() {
        var model = monitored("1001", "1002")
        _ = model.apply(
            call(.established, at: "1001", "c1") {
                $0.answeringDevice = "1001"
                $0.callingDevice = "0612345678"
            },
            at: t0
        )
        _ = model.apply(
            call(.established, at: "1001", "c2") {
                $0.answeringDevice = "1002"
                $0.callingDevice = "1001"
            },
            at: t0
        )
        _ = model.apply(
            call(.established, at: "1002", "c2") {
                $0.answeringDevice = "1002"
                $0.callingDevice = "1001"
            },
            at: t0
        )
        let transfer: (inout SwitchCallEvent) -> Void = { event in
            event.transferringDevice = "1001"
            event.transferredToDevice = "1002"
            event.secondaryCallId = "c2"
            event.resultingConnections = [CallRef(callId: "c3", device: "0612345678"), CallRef(callId: "c3", device: "1002")]
        }
        let atTransferrer = model.apply(call(.transferred, at: "1001", "c1", transfer), at: t0.addingTimeInterval(30))
        #expect(atTransferrer.finished.count == 2)
        #expect(model.line("1001")?.calls.isEmpty == true)
        _ = model.apply(call(.transferred, at: "1002", "c1", transfer), at: t0.addingTimeInterval(30))
        #expect(model.line("1002")?.calls.map(\.callId) == ["c3"])
        #expect(model.line("1002")?.calls.first?.peerNumber == "0612345678")
    }

    @Test("Losing the monitor makes the device out of service and forgets its calls; a snapshot rebuilds them")
    func monitorLossAndSnapshot() {
        var model = monitored("1001")
        _ = model.apply(call(.established, at: "1001") { $0.answeringDevice = "1001" }, at: t0)
        let lost = model.apply(.monitored(device: "1001", false), at: t0)
        #expect(model.line("1001")?.presence == .outOfService)
        #expect(lost.finished.isEmpty)
        _ = model.apply(.snapshot(device: "1001", calls: [SnapshotEntry(callId: "c1", state: .held)]), at: t0)
        #expect(model.line("1001")?.presence == .held)
    }

    @Test("DND and immediate forwarding show in presence when the line is idle")
    func dndAndForwarding() {
        var model = monitored("1001")
        _ = model.apply(.forwarding(device: "1001", ForwardingSetting(kind: .immediate, enabled: true, destination: "1002")), at: t0)
        #expect(model.line("1001")?.presence == .forwarded)
        _ = model.apply(.doNotDisturb(device: "1001", enabled: true), at: t0)
        #expect(model.line("1001")?.presence == .doNotDisturb)
        _ = model.apply(call(.delivered, at: "1001") { $0.alertingDevice = "1001" }, at: t0)
        #expect(model.line("1001")?.presence == .ringing)
    }

    @Test("The voicemail lamp is kept on the line and pushed to its owners on each change only; presence ignores it")
    func messageWaiting() {
        var model = monitored("1001")
        let lit = model.apply(.messageWaiting(device: "1001", waiting: true, reported: true), at: t0)
        #expect(model.line("1001")?.messageWaiting == true)
        #expect(model.line("1001")?.presence == .idle)
        #expect(lit.events.map(\.audience) == [.owner("1001")])
        #expect(lit.events.map(\.event.messageWaiting) == [MessageWaitingPayload(device: "1001", waiting: true)])
        // The PBX's answer to the gateway's question after an event said the same: nothing new to push.
        #expect(model.apply(.messageWaiting(device: "1001", waiting: true, reported: true), at: t0).events.isEmpty)
        let out = model.apply(.messageWaiting(device: "1001", waiting: false, reported: true), at: t0)
        #expect(out.events.map(\.event.messageWaiting) == [MessageWaitingPayload(device: "1001", waiting: false)])
        #expect(model.line("1001")?.messageWaiting == false)
    }
}

@Suite("Call-log retention")
struct CallLogRetentionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func entry(_ id: Int64, daysAgo: Double) -> CallLogEntry {
        CallLogEntry(
            id: id,
            companyId: 1,
            domainId: 1,
            userId: 1,
            device: "1001",
            callId: "c\(id)",
            kind: .incoming,
            peerNumber: nil,
            startedAt: now.addingTimeInterval(-daysAgo * 86_400),
            answeredAt: nil,
            durationSeconds: 0
        )
    }

    @Test("Entries older than the days limit go; beyond the count only those older than a day go")
    func rules() {
        let retention = CallLogRetention(maxPerKind: 2, daysOfStorage: 30, startMinute: 180)
        let newestFirst = [entry(1, daysAgo: 0.1), entry(2, daysAgo: 0.2), entry(3, daysAgo: 0.5), entry(4, daysAgo: 2), entry(5, daysAgo: 40)]
        #expect(retention.expired(newestFirst, now: now) == [4, 5])
    }
}

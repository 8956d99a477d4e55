import Domain
import Foundation
import Testing

/// The call model fed the way real switches report calls: each monitored device's own connection state in every event
/// (`localConnectionInfo`), one ConnectionCleared for the party that leaves, failures that linger, links that drop.
@Suite("Call model lifecycle")
struct CallModelLifecycleTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let timing = CallModel.Timing(failedLinger: 4, initiatedCheck: 10, unansweredCheck: 120, answeredCheck: 3600, linkLossGrace: 60)

    func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    func model(_ devices: String...) -> CallModel {
        var model = CallModel(timing: timing)
        for device in devices { _ = model.apply(.monitored(device: device, true), at: t0) }
        return model
    }

    /// One copy of an event, as reported to `device`'s monitor, whose subject connection is `subject`'s.
    func event(
        _ kind: SwitchCallEvent.Kind,
        to device: String,
        about subject: String,
        local: ConnectionState?,
        _ fill: (inout SwitchCallEvent) -> Void = { _ in }
    ) -> SwitchEvent {
        var event = SwitchCallEvent(kind: kind, device: device, callId: "c1", connectionDevice: subject, localState: local)
        fill(&event)
        return .call(event)
    }

    func cleared(to device: String, leaver: String, local: ConnectionState?) -> SwitchEvent {
        var event = SwitchCallEvent(kind: .connectionCleared, device: device, callId: "c1", connectionDevice: leaver, localState: local)
        event.releasingDevice = leaver
        event.localStateNull = local == nil
        return .call(event)
    }

    /// 1001 calls 1002, which answers at 5 s, as a real switch reports it to both monitors.
    func answeredCall(_ model: inout CallModel) {
        _ = model.apply(event(.serviceInitiated, to: "1001", about: "1001", local: .initiated), at: t0)
        _ = model.apply(event(.originated, to: "1001", about: "1001", local: .connected) { $0.calledDevice = "1002" }, at: t0)
        for (device, local) in [("1002", ConnectionState.alerting), ("1001", .connected)] {
            _ = model.apply(
                event(.delivered, to: device, about: "1002", local: local) {
                    $0.callingDevice = "1001"
                    $0.alertingDevice = "1002"
                },
                at: at(1)
            )
        }
        for device in ["1002", "1001"] {
            _ = model.apply(
                event(.established, to: device, about: "1002", local: .connected) {
                    $0.callingDevice = "1001"
                    $0.answeringDevice = "1002"
                },
                at: at(5)
            )
        }
    }

    @Test("Ringback is not an answer: the caller's call is answered at EstablishedEvent, not at DeliveredEvent")
    func callerIsAnsweredAtEstablished() {
        var model = model("1001", "1002")
        _ = model.apply(event(.serviceInitiated, to: "1001", about: "1001", local: .initiated), at: t0)
        _ = model.apply(
            event(.delivered, to: "1001", about: "1002", local: .connected) {
                $0.callingDevice = "1001"
                $0.alertingDevice = "1002"
            },
            at: at(1)
        )
        let ringback = model.line("1001")?.calls.first
        #expect(ringback?.direction == .outgoing && ringback?.peerNumber == "1002" && ringback?.answeredAt == nil)
        // The caller gives up during ringback: an outgoing call that was never answered.
        let out = model.apply(cleared(to: "1001", leaver: "1001", local: nil), at: at(8))
        #expect(out.finished == [FinishedCall(device: "1001", callId: "c1", direction: .outgoing, peerNumber: "1002", startedAt: t0, answeredAt: nil, endedAt: at(8))])
    }

    @Test("Caller hangs up first: the callee's monitor hears of the caller's connection only, still connected, and the call ends for both")
    func callerHangsUpFirst() {
        var model = model("1001", "1002")
        answeredCall(&model)
        #expect(model.line("1002")?.calls.first?.direction == .incoming)
        #expect(model.line("1001")?.calls.first?.answeredAt == at(5))
        let caller = model.apply(cleared(to: "1001", leaver: "1001", local: nil), at: at(65))
        // What a real switch sends the callee: the caller's connection dropped, the callee's own still `connected`.
        let callee = model.apply(cleared(to: "1002", leaver: "1001", local: .connected), at: at(65))
        #expect(caller.finished.map(\.kind) == [.outgoing] && callee.finished.map(\.kind) == [.incoming])
        #expect((caller.finished + callee.finished).allSatisfy { $0.answeredAt == at(5) && $0.endedAt == at(65) && $0.cause == nil })
        #expect(callee.finished.first?.peerNumber == "1001")
        #expect(callee.events.compactMap(\.event.call).map { "\($0.event) \($0.state)" } == ["cleared cleared"])
        #expect(callee.events.contains { $0.event.devicePresence == DevicePresencePayload(device: "1002", presence: .idle) })
        #expect(model.line("1002")?.calls.isEmpty == true && model.line("1001")?.calls.isEmpty == true)
        // A switch that also clears the callee's own connection afterwards changes nothing more.
        let late = model.apply(cleared(to: "1002", leaver: "1002", local: nil), at: at(66))
        #expect(late.finished.isEmpty && late.events.isEmpty)
    }

    @Test("Callee hangs up first: both calls end when the callee's connection clears")
    func calleeHangsUpFirst() {
        var model = model("1001", "1002")
        answeredCall(&model)
        let callee = model.apply(cleared(to: "1002", leaver: "1002", local: nil), at: at(30))
        let caller = model.apply(cleared(to: "1001", leaver: "1002", local: .connected), at: at(30))
        #expect(callee.finished.map(\.kind) == [.incoming] && caller.finished.map(\.kind) == [.outgoing])
        #expect(caller.finished.first?.peerNumber == "1002")
    }

    @Test("An incoming call the caller abandons while it rings is missed")
    func abandonedWhileRinging() {
        var model = model("1002")
        _ = model.apply(
            event(.delivered, to: "1002", about: "1002", local: .alerting) {
                $0.callingDevice = "0612345678"
                $0.alertingDevice = "1002"
            },
            at: t0
        )
        let out = model.apply(cleared(to: "1002", leaver: "0612345678", local: .alerting), at: at(20))
        #expect(out.finished.map(\.kind) == [.missed])
        #expect(out.finished.first?.peerNumber == "0612345678" && out.finished.first?.endedAt == at(20))
    }

    @Test("A hunt-group call answered by a colleague is not a missed call of the other agents")
    func answeredElsewhere() {
        var model = model("1003")
        _ = model.apply(
            event(.delivered, to: "1003", about: "1003", local: .alerting) {
                $0.callingDevice = "0612345678"
                $0.alertingDevice = "1003"
            },
            at: t0
        )
        _ = model.apply(event(.delivered, to: "1003", about: "1002", local: .alerting) { $0.alertingDevice = "1002" }, at: t0)
        // The colleague 1002 answers; 1003 still rings for a moment, then its connection is cleared.
        _ = model.apply(event(.established, to: "1003", about: "1002", local: .alerting) { $0.answeringDevice = "1002" }, at: at(3))
        #expect(model.line("1003")?.presence == .ringing)
        let out = model.apply(cleared(to: "1003", leaver: "1003", local: nil), at: at(3))
        #expect(out.finished.isEmpty)
        #expect(model.line("1003")?.calls.isEmpty == true)
    }

    @Test("A colleague offered the same call leaving does not end it")
    func offeredColleagueLeaving() {
        var model = model("1002")
        _ = model.apply(
            event(.delivered, to: "1002", about: "1002", local: .alerting) { $0.alertingDevice = "1002" },
            at: t0
        )
        _ = model.apply(event(.delivered, to: "1002", about: "1003", local: .alerting) { $0.alertingDevice = "1003" }, at: t0)
        let out = model.apply(cleared(to: "1002", leaver: "1003", local: .alerting), at: at(2))
        #expect(out.finished.isEmpty)
        #expect(model.line("1002")?.calls.map(\.state) == [.alerting])
    }

    @Test("A failed call shows its cause for a few seconds, then leaves the line and is logged as an unanswered outgoing call")
    func failedCallLingersThenLeaves() {
        var model = model("1001")
        _ = model.apply(event(.serviceInitiated, to: "1001", about: "1001", local: .initiated), at: t0)
        _ = model.apply(event(.originated, to: "1001", about: "1001", local: .connected) { $0.calledDevice = "1002" }, at: t0)
        let failed = model.apply(
            event(.failed, to: "1001", about: "1001", local: .failed) {
                $0.callingDevice = "1001"
                $0.calledDevice = "1002"
                $0.cause = "busy"
            },
            at: at(1)
        )
        #expect(failed.events.compactMap(\.event.call).map { "\($0.event) \($0.state) \($0.cause ?? "")" } == ["failed failed busy"])
        #expect(model.line("1001")?.calls.first?.cause == "busy")
        #expect(model.sweep(at: at(4)).finished.isEmpty)
        let swept = model.sweep(at: at(5))
        #expect(
            swept.finished == [
                FinishedCall(device: "1001", callId: "c1", direction: .outgoing, peerNumber: "1002", startedAt: t0, answeredAt: nil, endedAt: at(5), cause: "busy")
            ]
        )
        #expect(swept.events.compactMap(\.event.call).map { "\($0.event) \($0.state) \($0.cause ?? "")" } == ["cleared cleared busy"])
        #expect(model.line("1001")?.presence == .idle)
    }

    @Test("A failed call the user hangs up before the linger ends is logged once, with its cause")
    func failedCallClearedEarly() {
        var model = model("1001")
        _ = model.apply(event(.failed, to: "1001", about: "1001", local: .failed) { $0.cause = "doNotDisturb" }, at: t0)
        let out = model.apply(cleared(to: "1001", leaver: "1001", local: nil), at: at(1))
        #expect(out.finished.map(\.cause) == ["doNotDisturb"])
        #expect(model.sweep(at: at(10)).finished.isEmpty)
    }

    @Test("Link lost: calls wait for the snapshot after reconnection; those it lists go on, the others end with link_lost")
    func linkLossThenSnapshot() {
        var model = model("1001", "1002")
        answeredCall(&model)
        let down = model.apply(.monitored(device: "1002", false), at: at(10))
        #expect(down.events.contains { $0.event.devicePresence == DevicePresencePayload(device: "1002", presence: .outOfService) })
        #expect(down.finished.isEmpty && model.line("1002")?.calls.count == 1)
        // Back, and the PBX still has the call: it goes on with what was known of it.
        _ = model.apply(.monitored(device: "1002", true), at: at(12))
        let kept = model.apply(.snapshot(device: "1002", calls: [SnapshotEntry(callId: "c1", state: .connected)]), at: at(12))
        #expect(kept.finished.isEmpty)
        #expect(model.line("1002")?.calls.first?.answeredAt == at(5) && model.line("1002")?.presence == .busy)
        // Down again; this time the call ended while the link was down.
        _ = model.apply(.monitored(device: "1002", false), at: at(20))
        _ = model.apply(.monitored(device: "1002", true), at: at(25))
        let gone = model.apply(.snapshot(device: "1002", calls: []), at: at(25))
        #expect(gone.finished.map { "\($0.kind.rawValue) \($0.cause ?? "")" } == ["incoming link_lost"])
        #expect(gone.events.compactMap(\.event.call).first?.cause == "link_lost")
        #expect(model.line("1002")?.presence == .idle)
    }

    @Test("A link that stays down past the grace ends its calls with link_lost")
    func linkLossGraceRunsOut() {
        var model = model("1001", "1002")
        answeredCall(&model)
        _ = model.apply(.monitored(device: "1001", false), at: at(10))
        #expect(model.sweep(at: at(69)).finished.isEmpty)
        let swept = model.sweep(at: at(70))
        #expect(swept.finished.map { "\($0.kind.rawValue) \($0.cause ?? "")" } == ["outgoing link_lost"])
        #expect(swept.events.compactMap(\.event.call).map { "\($0.state) \($0.cause ?? "")" } == ["cleared link_lost"])
        #expect(model.line("1001")?.presence == .outOfService)
    }

    @Test("A placed call the PBX never reports is checked once, then ends with no_longer_reported when the snapshot lacks it")
    func placedCallNeverReported() {
        var model = model("1001")
        _ = model.apply(.placed(CallRef(callId: "c7", device: "1001"), number: "0612345678"), at: t0)
        #expect(model.line("1001")?.calls.map { "\($0.state) \($0.peerNumber ?? "")" } == ["initiated 0612345678"])
        #expect(model.sweep(at: at(9)).devicesToCheck.isEmpty)
        #expect(model.sweep(at: at(10)).devicesToCheck == ["1001"])
        // Asked once per silence.
        #expect(model.sweep(at: at(11)).devicesToCheck.isEmpty)
        let out = model.apply(.snapshot(device: "1001", calls: []), at: at(11))
        #expect(out.finished.map { "\($0.kind.rawValue) \($0.cause ?? "")" } == ["outgoing no_longer_reported"])
    }

    @Test("A MakeCall answer arriving after its call's events neither duplicates nor revives the call")
    func placedAfterEvents() {
        var model = model("1001")
        _ = model.apply(event(.originated, to: "1001", about: "1001", local: .connected) { $0.calledDevice = "1002" }, at: t0)
        _ = model.apply(.placed(CallRef(callId: "c1", device: "1001"), number: "1002"), at: t0)
        #expect(model.line("1001")?.calls.count == 1)
        _ = model.apply(cleared(to: "1001", leaver: "1001", local: nil), at: at(1))
        _ = model.apply(.placed(CallRef(callId: "c1", device: "1001"), number: "1002"), at: at(1))
        #expect(model.line("1001")?.calls.isEmpty == true)
    }

    @Test("The device's own connection as the PBX wrote it is kept for the commands that name it")
    func connectionSpellingKeptForCommands() {
        var model = model("4002")
        var delivered = SwitchCallEvent(kind: .delivered, device: "4002", callId: "FF01", connectionDevice: "4002", localState: .alerting)
        delivered.connectionRaw = "N<4002>;noa=nk"
        delivered.alertingDevice = "4002"
        delivered.callingDevice = "7868772298"
        _ = model.apply(.call(delivered), at: t0)
        #expect(model.line("4002")?.calls.first?.ref == CallRef(callId: "FF01", device: "4002", connectionDevice: "N<4002>;noa=nk"))
    }

    @Test("A device no link supervises any more loses its calls at once, with monitor_stopped")
    func releasedDevice() {
        var model = model("1001", "1002")
        answeredCall(&model)
        let out = model.apply(.released(device: "1002"), at: at(9))
        #expect(out.finished.map { "\($0.kind.rawValue) \($0.cause ?? "")" } == ["incoming monitor_stopped"])
        #expect(out.events.compactMap(\.event.call).first?.cause == "monitor_stopped")
        #expect(model.line("1002")?.presence == .outOfService)
    }
}

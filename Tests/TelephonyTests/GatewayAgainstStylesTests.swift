import Domain
import Foundation
import Logging
import Synchronization
import Telephony
import Testing

/// The gateway's own PBX link (`CSTALink`) and call model (`CallModel`) against the simulator in each style: what the
/// real style is for. Every scenario leaves every line free, and the real switch's empty keep-alive is answered in its
/// own namespace, whatever edition the gateway writes.
@Suite struct GatewayAgainstStylesTests {
    /// The devices the gateway supervises.
    static let devices = ["1001", "1002", "1003", "1004", "1005", "3000"]

    /// The gateway's view of the lines, fed by the link's events.
    final class Lines: Sendable {
        private let model = Mutex(CallModel())
        /// Every event the link reported, in order.
        let recorder = SimRecorder<SwitchEvent>()

        /// Applies one event from the link.
        func apply(_ event: SwitchEvent) {
            model.withLock { _ = $0.apply(event, at: Date()) }
            recorder.record(event)
        }

        /// The devices at which the gateway shows a call, with those calls (`callId=state`).
        func busyLines() -> [String: [String]] {
            model.withLock { model in
                var busy: [String: [String]] = [:]
                for device in GatewayAgainstStylesTests.devices {
                    if let calls = model.line(device)?.calls, !calls.isEmpty {
                        busy[device] = calls.map { "\($0.callId)=\($0.state)" }
                    }
                }
                return busy
            }
        }
    }

    /// Starts the gateway's link to the simulator on `port`, supervising `devices`, and returns it with its task.
    static func connectLink(port: Int, edition: CSTAEdition, lines: Lines) -> (CSTALink, Task<Void, Never>) {
        let link = CSTALink(
            configuration: CSTALinkConfiguration(linkId: 1, domainId: 1, host: "127.0.0.1", port: port, edition: edition),
            devices: devices,
            logger: Logger(label: "tws-telephony-tests", factory: { _ in SwiftLogNoOpLogHandler() }),
            onEvent: { lines.apply($0) }
        )
        return (link, Task { await link.run() })
    }

    @Test(arguments: SimulatorScenario.names, SimulatorStyle.allCases)
    func gatewayLinesAreIdleAfterTheScenario(name: String, style: SimulatorStyle) async throws {
        var configuration = PBXSimulator.Configuration(edition: style.defaultEdition, style: style, keepAliveInterval: nil)
        configuration.switchConfiguration.numbering = SimulatorNumbering(queues: ["3000": ["1004", "1005"]])
        configuration.switchConfiguration.noAnswerTimeout = .milliseconds(20)
        try await withSimulator(configuration) { simulator, port in
            let lines = Lines()
            let (_, task) = Self.connectLink(port: port, edition: style.defaultEdition, lines: lines)
            defer { task.cancel() }
            // The link monitors then snapshots each device; a snapshot taken after the scenario would hide its result.
            try await lines.recorder.wait("a snapshot of every device") { events in
                Set(events.compactMap { if case .snapshot(let device, _) = $0 { device } else { nil } }).count == Self.devices.count
            }
            let scenario = try #require(SimulatorScenario(name: name, devices: ["1001", "1002", "1003"], queue: "3000"))
            try await simulator.run(scenario)
            let sent = await simulator.counters().eventsSent
            try await lines.recorder.wait("the \(sent) events applied") { events in
                events.count { event in
                    switch event {
                    case .call, .forwarding, .doNotDisturb: true
                    default: false
                    }
                } >= sent
            }

            #expect(lines.busyLines().isEmpty)
        }
    }

    @Test(arguments: [CSTAEdition.ed3, .ed4])
    func gatewayAnswersTheRealKeepAliveInItsOwnNamespace(gatewayEdition: CSTAEdition) async throws {
        var configuration = PBXSimulator.Configuration(edition: .ed3, style: .real, keepAliveInterval: .milliseconds(100))
        // Room for a busy test machine (every suite runs at once on two cores): an answer may come 10 s late before the
        // link is dropped. Only answers in the keep-alive's own namespace count, so a wrong one never reaches three.
        configuration.switchConfiguration.maximumMissedKeepAlives = 100
        try await withSimulator(configuration) { simulator, port in
            let lines = Lines()
            let (link, task) = Self.connectLink(port: port, edition: gatewayEdition, lines: lines)
            defer { task.cancel() }
            // 60 s: in a full parallel run on two cores, three answers have been seen to take more than 20 s.
            let deadline = ContinuousClock.now + .seconds(60)
            while await simulator.pbxSwitch.keepAlivesAnswered() < 3, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            let answered = await simulator.pbxSwitch.keepAlivesAnswered()
            let reconnects = link.status.reconnects
            // Answered in the namespace it came in, whatever edition the gateway writes.
            #expect(answered >= 3 && reconnects == 0)
        }
    }
}

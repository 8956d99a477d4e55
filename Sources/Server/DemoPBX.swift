import Logging
import ServiceLifecycle
import Telephony

/// Demo mode's PBX: the simulator on loopback, placing a call every few seconds between the demo devices so a newcomer
/// sees presence and call events flow on the push channel. It speaks in `style`: its own plain ECMA-323, or the
/// manners of real switches (OpenScape-like wrapped identifiers, empty keep-alives, one ConnectionCleared for the
/// party that leaves).
struct DemoPBX: Service {
    let port: Int
    let devices: [String]
    let style: SimulatorStyle
    let logger: Logger

    func run() async throws {
        var configuration = PBXSimulator.Configuration(host: "127.0.0.1", port: port, edition: style.defaultEdition, style: style)
        // The callback group's agents pick up after 3 s, and a visitor's phone after 4 s, so a request made on the
        // widget's demo page goes all the way to `connected`.
        for agent in DemoSeed.callbackAgents { configuration.switchConfiguration.answerDelays[agent] = .seconds(3) }
        configuration.switchConfiguration.externalAnswerDelay = .seconds(4)
        // The voicemail system answers the demo's vmNumber; callers diverted there leave messages (the lamp lights).
        configuration.switchConfiguration.numbering.voicemail = DemoSeed.voicemailNumber
        let simulator = PBXSimulator(configuration: configuration, logger: logger)
        // One message waits for the first demo user before the gateway connects: it reads the lamp when it monitors.
        if let first = devices.first { try? await simulator.leaveVoicemail(for: first) }
        // Queued until the simulator runs.
        await simulator.startLoad(
            SimulatorLoad(
                devices: devices,
                callsPerSecond: 0.2,
                minimumDuration: .seconds(5),
                maximumDuration: .seconds(40),
                minimumRingTime: .seconds(2),
                maximumRingTime: .seconds(8)
            )
        )
        // Runs in this service's task; graceful shutdown cancels it, and the simulator stops before `run` returns.
        try await cancelWhenGracefulShutdown { try await simulator.run() }
    }
}

import Logging
import ServiceLifecycle
import Telephony

/// Demo mode's PBX: the simulator on loopback, placing a call every few seconds between the demo devices so a newcomer
/// sees presence and call events flow on the push channel.
struct DemoPBX: Service {
    let port: Int
    let devices: [String]
    let logger: Logger

    func run() async throws {
        let simulator = PBXSimulator(configuration: .init(host: "127.0.0.1", port: port), logger: logger)
        _ = try await simulator.start()
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
        try? await gracefulShutdown()
        await simulator.stopLoad()
        await simulator.stop()
    }
}

import ArgumentParser
import Dispatch
import Foundation
import Logging
import Telephony

/// One run of `pbx-sim`: starts the simulator, prints the status line, plays load and scenarios, stops on a signal.
struct PBXSimRun {
    let configuration: PBXSimulator.Configuration
    let load: SimulatorLoad?
    let scenarios: [SimulatorScenario]
    let scenarioPace: Duration
    let scenarioInterval: Duration?
    /// The `--devices` text, echoed in the status line.
    let devices: String
    /// Where to write the trace of call events (`--trace-events`), nil for none.
    let traceFile: String?
    let logger: Logger

    /// The first stdout line: what is listening where.
    struct ListeningStatus: Encodable {
        let status = "listening"
        let host: String
        let port: Int
        let edition: String
        let style: String
        let devices: String
        let queues: [String: [String]]
        let requiresSession: Bool
        let keepAliveSeconds: Double?
        let faults: [String]
        let scenarios: [String]
        let load: LoadStatus?
    }

    /// The load part of the status line.
    struct LoadStatus: Encodable {
        let devices: Int
        let callsPerSecond: Double
    }

    /// The last stdout line: what the switch did.
    struct StoppedStatus: Encodable {
        let status = "stopped"
        let counters: SimulatorCounters
    }

    func run() async throws {
        let simulator = PBXSimulator(configuration: configuration, logger: logger)
        let traceWriter = try traceFile.map { try TraceWriter(path: $0) }
        try await simulator.running { port in
        let switchConfiguration = configuration.switchConfiguration
        try printLine(
            ListeningStatus(
                host: configuration.host,
                port: port,
                edition: configuration.edition.description,
                style: configuration.style.rawValue,
                devices: devices,
                queues: switchConfiguration.numbering.queues,
                requiresSession: switchConfiguration.requiresApplicationSession,
                keepAliveSeconds: configuration.keepAliveInterval.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 },
                faults: configuration.faults.map(\.description),
                scenarios: scenarios.map(\.description),
                load: load.map { LoadStatus(devices: $0.devices.count, callsPerSecond: $0.callsPerSecond) }
            )
        )
        if traceWriter != nil {
            await simulator.pbxSwitch.startTracing()
        }
        if let load {
            await simulator.startLoad(load)
        }
        // The trace and the scenarios run beside the simulator until SIGTERM/SIGINT, then end before it stops.
        await withTaskGroup(of: Void.self) { group in
            if let traceWriter {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(250))
                        traceWriter.write(await simulator.pbxSwitch.takeTrace())
                    }
                }
            }
            if !scenarios.isEmpty {
                group.addTask { await playScenarios(on: simulator) }
            }
            await Self.waitForTerminationSignal()
            logger.info("stopping")
            group.cancelAll()
        }
        }
        traceWriter?.write(await simulator.pbxSwitch.takeTrace())
        traceWriter?.close()
        try printLine(StoppedStatus(counters: await simulator.counters()))
    }

    /// Plays the scenarios once a gateway is connected; again every `scenarioInterval` when set.
    private func playScenarios(on simulator: PBXSimulator) async {
        do {
            // Events only matter once a gateway listens: wait for the first connection.
            while await simulator.connectionCount() == 0 {
                try await Task.sleep(for: .milliseconds(200))
            }
            repeat {
                for scenario in scenarios {
                    logger.info("playing scenario", metadata: ["scenario": "\(scenario)"])
                    do {
                        try await simulator.run(scenario, pace: scenarioPace)
                    } catch is CancellationError {
                        return
                    } catch {
                        logger.warning("scenario failed", metadata: ["scenario": "\(scenario)", "error": "\(error)"])
                    }
                }
                if let scenarioInterval {
                    try await Task.sleep(for: scenarioInterval)
                }
            } while scenarioInterval != nil && !Task.isCancelled
        } catch {
            // Cancelled while waiting: the program stops.
        }
    }

    /// Writes `value` as one JSON line on stdout (unbuffered, so a parent process sees it at once).
    private func printLine(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(UInt8(ascii: "\n"))
        FileHandle.standardOutput.write(data)
    }

    /// Returns when the process receives SIGINT or SIGTERM.
    private static func waitForTerminationSignal() async {
        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        let sources = [SIGINT, SIGTERM].map { number in
            // The default action would kill the process before the simulator closes its connections.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        for await _ in signals {
            break
        }
        for source in sources {
            source.cancel()
        }
    }
}

/// Appends trace records to a file as tab-separated lines (time in ns, device, call id, event).
final class TraceWriter: Sendable {
    private let handle: FileHandle

    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw ValidationError("cannot write the event trace \(path)")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    func write(_ records: [SimulatorTraceRecord]) {
        guard !records.isEmpty else { return }
        var text = ""
        for record in records {
            text += "\(record.time)\t\(record.device)\t\(record.callID)\t\(record.event)\n"
        }
        handle.write(Data(text.utf8))
    }

    func close() {
        try? handle.close()
    }
}

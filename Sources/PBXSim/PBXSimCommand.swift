import ArgumentParser
import Dispatch
import Foundation
import Logging
import Telephony

/// `pbx-sim`: a simulated PBX speaking ECMA-323 CSTA XML over TCP, for developing and testing the gateway's PBX link.
///
/// Prints one JSON line to stdout once listening (`{"status":"listening","port":…}`) and another when it stops; logs
/// go to stderr. Runs until SIGINT or SIGTERM.
struct PBXSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pbx-sim",
        abstract: "A simulated PBX speaking ECMA-323 CSTA XML over TCP.",
        discussion: """
            Scenarios (--scenario, repeatable): \(SimulatorScenario.names.joined(separator: ", ")). \
            They are played between the --scenario-devices (default: the first three extensions) once a gateway has \
            connected, and replayed every --scenario-interval seconds when that is given. The queue scenario uses the \
            first --queue.

            Styles (--style): plain (the simulator's own ECMA-323: bare numbers, one line of unprefixed XML, a \
            ConnectionClearedEvent for every connection of an ending call) or real (the manners of OpenScape Voice, \
            OpenScape 4000 and HiPath: identifiers such as N<1001>;displayNumber=1001;noa=nk and \
            N<0612345678>Line71001;displayNumber=0612345678, pretty-printed prefixed XML with private data, \
            TransferredEvent, CallInformationEvent and vendor events, an empty ed3 <SystemStatus/> keep-alive answered \
            only in its own namespace, and a party left alone hears only the leaver's ConnectionClearedEvent). \
            Without --edition, real writes ed3 (OpenScape's edition) and plain ed4.

            Faults (--fault, repeatable): drop-every=SECONDS, garbage[=SECONDS] (a non-XML frame, default every 10 s), \
            bad-length[=SECONDS] (a header whose length field lies), stall[=SECONDS] (a frame header announcing 200 \
            bytes, a few bytes, then nothing: the link stays open but nothing more can be read on it), \
            delay=MILLISECONDS, silent (requests are ignored).

            Prints one JSON status line on stdout once listening and one when stopped (SIGINT, SIGTERM); logs go to stderr.
            """
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port, reported in the status line).")
    var port = 5060

    @Option(help: "The ECMA-323 edition of outgoing XML: ed2 … ed6 (default: ed4, or ed3 with --style real).")
    var edition: String?

    @Option(help: "How the switch speaks: plain or real (see below).")
    var style = "plain"

    @Option(help: "The extensions: ranges and numbers, e.g. 1000-1999 or 1001,1002,2000-2099.")
    var devices = "1000-9999"

    @Option(name: .customLong("queue"), help: "A hunt group, e.g. 3000=1001,1002 (repeatable).")
    var queues: [String] = []

    @Option(help: "The voicemail system's number: it answers at once; a call diverted there leaves a message (MessageWaitingEvent on), the owner calling it hears them (off).")
    var voicemail: String?

    @Flag(name: .customLong("require-session"), help: "Refuse every request before ECMA-354 StartApplicationSession.")
    var requireSession = false

    @Option(name: .customLong("keep-alive"), help: "Seconds between the switch's SystemStatus keep-alives (0: none).")
    var keepAlive: Double = 30

    @Option(name: .customLong("no-answer-timeout"), help: "Seconds before no-answer forwarding applies.")
    var noAnswerTimeout: Double = 15

    @Option(name: .customLong("external-answer-delay"), help: "Seconds after which called trunk numbers answer (default: they ring).")
    var externalAnswerDelay: Double?

    @Flag(help: "Load mode: calls between random pairs of devices.")
    var load = false

    @Option(name: .customLong("calls-per-second"), help: "Load mode: new calls per second.")
    var callsPerSecond: Double = 1

    @Option(name: .customLong("min-duration"), help: "Load mode: shortest call, in seconds.")
    var minDuration: Double = 5

    @Option(name: .customLong("max-duration"), help: "Load mode: longest call, in seconds.")
    var maxDuration: Double = 60

    @Option(name: .customLong("load-devices"), help: "Load mode: how many extensions (the first of the plan) take part.")
    var loadDevices = 100

    @Option(help: "Load mode: a seed to repeat a run exactly.")
    var seed: UInt64?

    @Option(help: "A fault to show (repeatable): drop-every=SECONDS, garbage[=SECONDS], bad-length[=SECONDS], stall[=SECONDS], delay=MS, silent.")
    var fault: [String] = []

    @Option(help: "A scripted scenario to play (repeatable), see below.")
    var scenario: [String] = []

    @Option(name: .customLong("scenario-devices"), help: "The devices scenarios use, caller first, e.g. 1001,1002,1003.")
    var scenarioDevices: String?

    @Option(name: .customLong("scenario-pace"), help: "Seconds between the steps of a scenario.")
    var scenarioPace: Double = 1

    @Option(name: .customLong("scenario-interval"), help: "Replay the scenarios every so many seconds (default: once).")
    var scenarioInterval: Double?

    @Option(
        name: .customLong("trace-events"),
        help: "Append every call event sent to FILE, one line each: wall-clock nanoseconds, device, call id, event (tab-separated)."
    )
    var traceEvents: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (logs go to stderr).")
    var logLevel = "info"

    /// The simulator configuration the options describe.
    func simulatorConfiguration() throws -> PBXSimulator.Configuration {
        guard let style = SimulatorStyle(rawValue: style) else {
            throw ValidationError("--style must be one of \(SimulatorStyle.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        // A real switch of the style chooses its edition when none is asked for (OpenScape Voice speaks ed3).
        let edition = self.edition ?? style.defaultEdition.description
        guard let editionNumber = Int(edition.hasPrefix("ed") ? String(edition.dropFirst(2)) : edition),
            let edition = CSTAEdition(rawValue: editionNumber)
        else {
            throw ValidationError("--edition must be one of ed2, ed3, ed4, ed5, ed6")
        }
        var queueMap: [String: [String]] = [:]
        for queue in queues {
            let parts = queue.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ValidationError("--queue must look like 3000=1001,1002")
            }
            queueMap[parts[0]] = parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        guard var numbering = SimulatorNumbering(devices: devices, queues: queueMap) else {
            throw ValidationError("--devices must be ranges and numbers such as 1000-1999,2000")
        }
        if let voicemail {
            guard !voicemail.isEmpty, voicemail.allSatisfy(\.isASCII), voicemail.allSatisfy(\.isNumber), queueMap[voicemail] == nil else {
                throw ValidationError("--voicemail must be a number that is not a queue")
            }
            numbering.voicemail = voicemail
        }
        var faults: [SimulatorFault] = []
        for argument in fault {
            guard let parsed = SimulatorFault(argument: argument) else {
                throw ValidationError("unknown --fault \(argument)")
            }
            faults.append(parsed)
        }
        guard keepAlive >= 0, noAnswerTimeout >= 0, (externalAnswerDelay ?? 0) >= 0 else {
            throw ValidationError("times must not be negative")
        }
        return PBXSimulator.Configuration(
            host: host,
            port: port,
            edition: edition,
            style: style,
            keepAliveInterval: keepAlive > 0 ? Self.duration(keepAlive) : nil,
            faults: faults,
            switchConfiguration: PBXSwitch.Configuration(
                numbering: numbering,
                noAnswerTimeout: Self.duration(noAnswerTimeout),
                externalAnswerDelay: externalAnswerDelay.map(Self.duration),
                requiresApplicationSession: requireSession
            )
        )
    }

    /// The load the options describe, nil without `--load`.
    func loadDescription(numbering: SimulatorNumbering) throws -> SimulatorLoad? {
        guard load else {
            return nil
        }
        guard callsPerSecond > 0, minDuration >= 0, maxDuration >= minDuration, loadDevices >= 2 else {
            throw ValidationError("load mode needs --calls-per-second > 0, 0 <= --min-duration <= --max-duration, --load-devices >= 2")
        }
        let devices = numbering.sampleExtensions(loadDevices)
        guard devices.count >= 2 else {
            throw ValidationError("load mode needs at least two extensions")
        }
        return SimulatorLoad(
            devices: devices,
            callsPerSecond: callsPerSecond,
            minimumDuration: Self.duration(minDuration),
            maximumDuration: Self.duration(maxDuration),
            seed: seed
        )
    }

    /// The scenarios the options name, between the scenario devices.
    func scenarios(numbering: SimulatorNumbering) throws -> [SimulatorScenario] {
        let devices =
            scenarioDevices.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            ?? numbering.sampleExtensions(3)
        let queue = numbering.queues.keys.sorted().first
        return try scenario.map { name in
            guard let parsed = SimulatorScenario(name: name, devices: devices, queue: queue) else {
                throw ValidationError("cannot play scenario \(name) (known: \(SimulatorScenario.names.joined(separator: ", "))) between \(devices)")
            }
            return parsed
        }
    }

    mutating func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown --log-level \(logLevel)")
        }
        let configuration = try simulatorConfiguration()
        let load = try loadDescription(numbering: configuration.switchConfiguration.numbering)
        let scenarios = try scenarios(numbering: configuration.switchConfiguration.numbering)
        // Logging is bootstrapped once, here in the program, never by the library (STYLE.md).
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "tws.pbx-sim")
        try await PBXSimRun(
            configuration: configuration,
            load: load,
            scenarios: scenarios,
            scenarioPace: Self.duration(scenarioPace),
            scenarioInterval: scenarioInterval.map(Self.duration),
            devices: devices,
            traceFile: traceEvents,
            logger: logger
        ).run()
    }

    /// Parses the command line and runs the command, exiting with ArgumentParser's message on error.
    ///
    /// Used by main.swift instead of `main()`, which top-level code resolves to ParsableCommand's synchronous overload.
    static func parseAndRun() async {
        do {
            var command = try await asyncParse()
            try await command.run()
        } catch {
            exit(withError: error)
        }
    }

    /// Seconds as a Duration (millisecond resolution).
    static func duration(_ seconds: Double) -> Duration {
        .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

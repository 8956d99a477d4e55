import ArgumentParser
import Foundation
import Logging

/// `tws-load`: holds many push clients of one server in one process (WebSockets on `GET /events`, long-polls on
/// `GET /events/poll`) and records every call and Alerter event they receive with its wall-clock receipt time, for
/// `scripts/bench_telephony.py` to join with the simulator's `--trace-events` trace.
///
/// Talks to its driver over stdin/stdout: prints `{"status":"ready",…}` once every client is connected; on a line
/// `count` waits until no event has arrived for `--quiet-seconds` and prints `{"status":"counted","events":N}` with
/// every client still listening (the driver reads the server's counters then: an event the server hands out after
/// that is still received); on a line `drain` (or at EOF) waits until quiet, closes every client, writes the receipt
/// file and prints one JSON summary line (events, clients cut off with their close codes, resyncs, seqs out of order,
/// its own CPU time).
@main
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tws-load",
        abstract: "Many push clients (WebSocket and long-poll) of a TWS server in one process, recording the call events they receive."
    )

    @Option(help: "The push channel's base URL, e.g. http://127.0.0.1:9000.")
    var push: String

    @Option(help: "A file of access tokens, one per line: one client per token.")
    var tokens: String

    @Option(name: .customLong("poll-share"), help: "The share of clients that long-poll instead of holding a WebSocket (0 to 1).")
    var pollShare = 0.0

    @Option(name: .customLong("poll-timeout"), help: "Seconds each long-poll may wait.")
    var pollTimeout = 25

    @Option(help: "Where to write the received call, Alerter and resync events (TSV: ns, client, transport, type, device, call id, event, bytes).")
    var events: String

    @Option(name: .customLong("quiet-seconds"), help: "After `drain`: how long no event must arrive before the clients close.")
    var quietSeconds = 2.0

    @Option(name: .customLong("connect-concurrency"), help: "Connections opened at once while starting.")
    var connectConcurrency = 32

    mutating func run() async throws {
        let tokens = try String(contentsOfFile: self.tokens, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        let pollers = Int((Double(tokens.count) * pollShare).rounded())
        // The last `pollers` tokens long-poll; the others hold WebSockets.
        let clients = tokens.enumerated().map { index, token in
            LoadClient(index: index, token: token, transport: index >= tokens.count - pollers ? .poll : .webSocket)
        }
        let recorder = Recorder(clients: clients.count)
        let runner = LoadRunner(
            base: push.hasSuffix("/") ? String(push.dropLast()) : push,
            recorder: recorder,
            pollTimeout: pollTimeout,
            logger: Logger(label: "tws-load")
        )
        let quiet = quietSeconds
        try await runner.run(clients, connectConcurrency: connectConcurrency) {
            LoadCommand.say(["status": "ready", "webSockets": clients.count - pollers, "pollers": pollers])
            for await command in LoadCommand.commands() {
                recorder.endWindow()
                await recorder.waitUntilQuiet(for: quiet, thenDraining: command == .drain)
                guard command == .count else { break }
                LoadCommand.say(["status": "counted", "events": recorder.events])
            }
        }
        try recorder.write(to: events)
        var summary = recorder.summary()
        summary["webSockets"] = clients.count - pollers
        summary["pollers"] = pollers
        summary["cpuSeconds"] = ProcessUsage.cpuSeconds()
        summary["peakRssMiB"] = ProcessUsage.peakRSSMiB()
        LoadCommand.say(summary)
    }

    enum Command { case count, drain }

    /// The driver's commands: `count` lines, then `drain` (also at the pipe's end), after which the stream ends. stdin
    /// is read on a thread of its own: a blocking read must not hold one of the few threads the clients' tasks run on.
    static func commands() -> AsyncStream<Command> {
        AsyncStream { continuation in
            Thread.detachNewThread {
                while let line = readLine() {
                    switch line.trimmingCharacters(in: .whitespaces) {
                    case "count": continuation.yield(.count)
                    case "drain": continuation.yield(.drain); continuation.finish(); return
                    default: continue
                    }
                }
                continuation.yield(.drain)
                continuation.finish()
            }
        }
    }

    /// One JSON line on stdout, flushed at once (the driver reads it through a pipe).
    static func say(_ object: [String: Any]) {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

/// One client of the run: a user's token and how it listens.
struct LoadClient: Sendable {
    enum Transport: String, Sendable { case webSocket = "ws", poll }
    let index: Int
    let token: String
    let transport: Transport
}

/// CPU time and peak memory of this process, from getrusage.
enum ProcessUsage {
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func peakRSSMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // Linux: kilobytes
    }
}

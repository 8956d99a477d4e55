import Foundation
import Synchronization

/// What a client keeps of one push event: the members the bench joins on. Everything else in the frame is skipped.
struct ReceivedFrame: Decodable, Sendable {
    struct Call: Decodable, Sendable {
        var device: String
        var callId: String
        var event: String
    }

    struct Card: Decodable, Sendable {
        var device: String
        var callId: String
    }

    var seq: UInt64
    var type: String
    var call: Call?
    var alerter: Card?
}

/// Every event the clients of the run received, and what went wrong with them: the clients' shared notebook.
///
/// One lock for everything: a few thousand events a second at most, each noted in well under a microsecond.
final class Recorder: Sendable {
    /// One received call or Alerter event.
    struct Receipt {
        var nanoseconds: Int64
        var client: Int
        var transport: LoadClient.Transport
        var frame: ReceivedFrame
        var bytes: Int
    }

    private struct State {
        var receipts: [Receipt] = []
        var events = 0
        var lastSeq: [UInt64]
        var outOfOrder = 0
        var resyncs = 0
        /// Clients the server closed before the drain, by close code (or reason when there is no code).
        var cutOff: [String: Int] = [:]
        var failures: [String: Int] = [:]
        var polls = 0
        /// Round trips of the floor probe, in milliseconds.
        var floor: [Double] = []
        /// How late the lateness probe's timer fired, in milliseconds.
        var lateness: [Double] = []
        var windowOver = false
        var draining = false
        var lastEvent = ContinuousClock.now
    }

    private let state: Mutex<State>

    init(clients: Int) {
        state = Mutex(State(lastSeq: Array(repeating: 0, count: clients)))
    }

    /// Notes events client `client` received at `nanoseconds` (wall clock), in the order the server sent them.
    func received(_ frames: [ReceivedFrame], client: Int, transport: LoadClient.Transport, at nanoseconds: Int64, bytes: Int = 0) {
        let now = ContinuousClock.now
        state.withLock { state in
            state.lastEvent = now
            for frame in frames {
                state.events += 1
                // Gaps are events this user may not see (the contract); going back is a fault.
                if frame.seq <= state.lastSeq[client] && frame.type != "resync" { state.outOfOrder += 1 }
                state.lastSeq[client] = max(state.lastSeq[client], frame.seq)
                if frame.type == "resync" { state.resyncs += 1 }
                if frame.call != nil || frame.alerter != nil || frame.type == "resync" {
                    state.receipts.append(Receipt(nanoseconds: nanoseconds, client: client, transport: transport, frame: frame, bytes: bytes))
                }
            }
        }
    }

    /// The driver ended the measured window: floor round trips are no longer kept.
    func endWindow() { state.withLock { $0.windowOver = true } }

    /// One floor round trip of `milliseconds`; none are kept once the window is over.
    func floor(_ milliseconds: Double) {
        state.withLock { state in if !state.windowOver { state.floor.append(milliseconds) } }
    }

    /// One lateness sample of `milliseconds`; none are kept once the window is over.
    func lateness(_ milliseconds: Double) {
        state.withLock { state in if !state.windowOver { state.lateness.append(milliseconds) } }
    }

    /// A long-poll answered (with or without events).
    func polled() { state.withLock { $0.polls += 1 } }

    /// The server ended a client's connection (`reason`: its close code or what failed). After the drain began,
    /// closing is the load client's own doing and is not counted.
    func ended(client: Int, reason: String) {
        state.withLock { state in
            guard !state.draining else { return }
            state.cutOff[reason, default: 0] += 1
        }
    }

    /// A request that failed without ending the client (it retries).
    func failed(_ reason: String) { state.withLock { $0.failures[reason, default: 0] += 1 } }

    /// Returns once no event has arrived for `seconds`; when `draining`, connections that end from then on are not
    /// cut-offs (the load client closes them).
    func waitUntilQuiet(for seconds: Double, thenDraining draining: Bool) async {
        while true {
            let quiet = state.withLock { ContinuousClock.now - $0.lastEvent }
            if quiet >= .seconds(seconds) { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        if draining { state.withLock { $0.draining = true } }
    }

    /// Events received so far, by every client.
    var events: Int { state.withLock { $0.events } }


    /// Writes the receipts as TSV: ns, client, transport, type, device, call id, event (`card` for an Alerter card), bytes;
    /// a resync event as type `resync` with `-` for device and call.
    func write(to path: String) throws {
        var text = ""
        state.withLock { state in
            text.reserveCapacity(state.receipts.count * 64)
            for receipt in state.receipts {
                let frame = receipt.frame
                let (device, callId, event) =
                    if let call = frame.call {
                        (call.device, call.callId, call.event)
                    } else if let card = frame.alerter {
                        (card.device, card.callId, "card")
                    } else {
                        ("-", "-", frame.type)
                    }
                text += "\(receipt.nanoseconds)\t\(receipt.client)\t\(receipt.transport.rawValue)\t\(frame.type)\t\(device)\t\(callId)\t\(event)\t\(receipt.bytes)\n"
            }
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The run's counters, for the summary line.
    func summary() -> [String: Any] {
        state.withLock { state in
            [
                "events": state.events, "recorded": state.receipts.count, "outOfOrder": state.outOfOrder, "resyncs": state.resyncs,
                "cutOff": state.cutOff.values.reduce(0, +), "cutOffBy": state.cutOff, "failures": state.failures, "polls": state.polls,
                "healthMs": state.floor, "latenessMs": state.lateness,
            ]
        }
    }
}

/// Wall-clock nanoseconds since 1970, the simulator trace's time base.
func wallClockNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

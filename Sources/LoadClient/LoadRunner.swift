import AsyncHTTPClient
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Runs the clients of a load run: connects them all (a bounded number at a time), calls `body` once every one is
/// listening, and closes them all when it returns.
struct LoadRunner: Sendable {
    let base: String
    let recorder: Recorder
    let pollTimeout: Int
    let logger: Logger

    func run(_ clients: [LoadClient], connectConcurrency: Int, body: @escaping @Sendable () async -> Void) async throws {
        let pollers = clients.filter { $0.transport == .poll }.count
        // One connection per waiting long-poll: the pool's default (8 per host) would queue the others' requests.
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, pollers + 8))
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(Int64(pollTimeout) + 30))
        let http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration, backgroundActivityLogger: logger)
        let ready = Gate(count: clients.count)
        let slots = Gate(count: 0, permits: connectConcurrency)
        await withTaskGroup(of: Void.self) { group in
            for client in clients {
                group.addTask {
                    switch client.transport {
                    case .webSocket: await listen(client, ready: ready, slots: slots)
                    case .poll: await poll(client, http: http, ready: ready, slots: slots)
                    }
                }
            }
            await ready.wait()
            group.addTask { await probeFloor(http: http) }
            group.addTask { await probeLateness() }
            await body()
            group.cancelAll()
        }
        try await http.shutdown()
    }

    /// One WebSocket on `GET /events`, until the server closes it or the run ends.
    private func listen(_ client: LoadClient, ready: Gate, slots: Gate) async {
        var url = base.replacingOccurrences(of: "http://", with: "ws://")
        url += "/events?access_token=\(client.token)"
        await slots.acquire()
        let connected = Flag()
        do {
            let close = try await WebSocketClient.connect(
                url: url,
                configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 20),
                logger: logger
            ) { inbound, _, _ in
                connected.set()
                await slots.release()
                await ready.arrive()
                let decoder = JSONDecoder()
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    let now = wallClockNanoseconds()
                    guard case .text(let text) = message else { continue }
                    let bytes = text.utf8.count
                    if let frame = try? decoder.decode(ReceivedFrame.self, from: Data(text.utf8)) {
                        recorder.received([frame], client: client.index, transport: .webSocket, at: now, bytes: bytes)
                    }
                }
            }
            recorder.ended(client: client.index, reason: close.map { "\($0.closeCode)" } ?? "closed")
        } catch {
            recorder.ended(client: client.index, reason: "error: \(error)")
        }
        if !connected.isSet {
            await slots.release()
            await ready.arrive()
        }
    }

    /// A plain HTTP round trip beside the push latency: every 50 ms, `GET /health` on the same push listener, from this
    /// process, while the run lasts (what a long-poll answer costs without the event bus).
    private func probeFloor(http: HTTPClient) async {
        while !Task.isCancelled {
            let start = ContinuousClock.now
            do {
                let response = try await http.execute(HTTPClientRequest(url: "\(base)/health"), timeout: .seconds(10))
                _ = try await response.body.collect(upTo: 1 << 16)
                let elapsed = (ContinuousClock.now - start).components
                recorder.floor(Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15)
            } catch {
                if Task.isCancelled { return }
                recorder.failed("health: \(error)")
            }
            try? await Task.sleep(until: start + .milliseconds(50))
        }
    }

    /// The load client's own receive latency: every 10 ms, how late a timer wakes a task on the pool the clients'
    /// tasks run on. An event that reaches this process waits about as long before a client task records it.
    private func probeLateness() async {
        var next = ContinuousClock.now
        while !Task.isCancelled {
            next += .milliseconds(10)
            try? await Task.sleep(until: next)
            let late = (ContinuousClock.now - next).components
            recorder.lateness(Double(late.seconds) * 1000 + Double(late.attoseconds) / 1e15)
        }
    }

    /// The body of a long-poll answer.
    private struct PollAnswer: Decodable {
        var events: [ReceivedFrame]
        var next: UInt64
    }

    /// Long-polls `GET /events/poll` in a loop, each time after the last seq answered, until the run ends.
    private func poll(_ client: LoadClient, http: HTTPClient, ready: Gate, slots: Gate) async {
        let url = "\(base)/events/poll?access_token=\(client.token)"
        var after: UInt64?
        // The first poll answers at once with the domain's current seq: from there on nothing is missed.
        await slots.acquire()
        do {
            after = try await request("\(url)&timeout=0", http: http).next
        } catch {
            recorder.ended(client: client.index, reason: "error: \(error)")
        }
        await slots.release()
        await ready.arrive()
        guard var next = after else { return }
        while !Task.isCancelled {
            do {
                let answer = try await request("\(url)&after=\(next)&timeout=\(pollTimeout)", http: http)
                let now = wallClockNanoseconds()
                recorder.polled()
                recorder.received(answer.events, client: client.index, transport: .poll, at: now)
                next = answer.next
            } catch is CancellationError {
                return
            } catch let error as HTTPClientError where error == .cancelled {
                return
            } catch {
                if Task.isCancelled { return }
                recorder.failed("\(error)")
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    private func request(_ url: String, http: HTTPClient) async throws -> PollAnswer {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(Int64(pollTimeout) + 30))
        let body = try await response.body.collect(upTo: 64 << 20)
        guard response.status == .ok else { throw PollRefused(status: Int(response.status.code)) }
        return try JSONDecoder().decode(PollAnswer.self, from: Data(body.readableBytesView))
    }

    struct PollRefused: Error, CustomStringConvertible {
        var status: Int
        var description: String { "HTTP \(status)" }
    }
}

/// A count-down latch with an optional pool of permits: `wait()` returns once `arrive()` was called `count` times;
/// `acquire()`/`release()` bound how many connections are being opened at once.
actor Gate {
    private var remaining: Int
    private var permits: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var queued: [CheckedContinuation<Void, Never>] = []

    init(count: Int, permits: Int = 0) {
        self.remaining = count
        self.permits = permits
    }

    func arrive() {
        remaining -= 1
        if remaining == 0 {
            for waiter in waiters { waiter.resume() }
            waiters = []
        }
    }

    func wait() async {
        guard remaining > 0 else { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func acquire() async {
        if permits > 0 {
            permits -= 1
            return
        }
        await withCheckedContinuation { queued.append($0) }
    }

    func release() {
        if queued.isEmpty { permits += 1 } else { queued.removeFirst().resume() }
    }
}

/// Set once, read from any task.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}

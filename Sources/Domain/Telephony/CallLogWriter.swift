import Foundation
import Synchronization

/// Writes the call-log lines of finished calls, in the order calls ended, off the PBX event path: a database commit
/// takes milliseconds, and a link reads its next event only when the previous one is handled, so writing inline would
/// delay every event behind a cleared call.
///
/// `run()` is the writer's one loop (a Service of the server); `finish()` ends it once everything queued so far is
/// written, which is how a shutdown keeps the last calls' lines. A write that fails is reported to `onFailure` and
/// counted, never dropped in silence.
public final class CallLogWriter: Sendable {
    /// Work for the writer, in order.
    private enum Work: Sendable {
        /// Calls that finished together: their rows, written in one transaction.
        case write(domainId: Int64, calls: [FinishedCall], time: Date)
        /// Resumed once everything queued before it is written.
        case flush(CheckedContinuation<Void, Never>)
    }

    let store: any CallLogStore
    let publisher: any PushPublisher
    /// Names callers of incoming calls in the lines (reverse lookup in the directories).
    let callerNames: (any CallerNameResolver)?
    private let onFailure: @Sendable (_ error: any Error, _ lines: Int) -> Void
    private let queue: AsyncStream<Work>.Continuation
    private let work: AsyncStream<Work>
    private let counts = Mutex<(written: UInt64, failed: UInt64, queued: UInt64)>((0, 0, 0))
    /// Webhook deliveries of the lines, written in the lines' transaction (issue 19), once attached.
    private let outbox = Mutex<WebhookOutbox?>(nil)
    /// Missed-call e-mails of the lines, written in the lines' transaction (issue 20), once attached.
    private let mail = Mutex<MissedCallMail?>(nil)

    /// - Parameter onFailure: told of every write that failed and how many lines it held (the server logs it).
    public init(
        store: any CallLogStore,
        publisher: any PushPublisher,
        callerNames: (any CallerNameResolver)? = nil,
        onFailure: @escaping @Sendable (_ error: any Error, _ lines: Int) -> Void = { _, _ in }
    ) {
        self.store = store
        self.publisher = publisher
        self.callerNames = callerNames
        self.onFailure = onFailure
        (work, queue) = AsyncStream.makeStream(of: Work.self)
    }

    /// Writes the webhook deliveries of each line in the transaction that writes it (called while the server is built).
    public func attach(outbox: WebhookOutbox) {
        self.outbox.withLock { $0 = outbox }
    }

    /// Writes the missed-call e-mails of each line in the transaction that writes it (called while the server is built).
    public func attach(mail: MissedCallMail) {
        self.mail.withLock { $0 = mail }
    }

    /// Lines written, and lines lost to failed writes (or queued after the writer stopped), since start.
    public var counters: (written: UInt64, failed: UInt64) { counts.withLock { ($0.written, $0.failed) } }

    /// Queues the lines of calls that finished together at `time`.
    public func enqueue(_ calls: [FinishedCall], domainId: Int64, time: Date) {
        guard !calls.isEmpty else { return }
        counts.withLock { $0.queued += UInt64(calls.count) }
        if case .terminated = queue.yield(.write(domainId: domainId, calls: calls, time: time)) {
            counts.withLock {
                $0.queued -= UInt64(calls.count)
                $0.failed += UInt64(calls.count)
            }
            onFailure(CallLogWriterStopped(), calls.count)
        }
    }

    /// Waits until every line queued so far is written (tests; a stopped writer returns at once).
    public func flush() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            if case .terminated = queue.yield(.flush(done)) { done.resume() }
        }
    }

    /// Writes queued lines until `finish()`, then what was queued before it, and returns. Cancelled (a shutdown
    /// that outlasted its limit), it returns at once: the lines still queued are reported to `onFailure` and counted.
    public func run() async {
        for await item in work {
            switch item {
            case .write(let domainId, let calls, let time): await write(calls, domainId: domainId, time: time)
            case .flush(let done): done.resume()
            }
        }
        queue.finish()
        let lost = counts.withLock { counts in
            defer { counts.failed += counts.queued; counts.queued = 0 }
            return counts.queued
        }
        if lost > 0 { onFailure(CancellationError(), Int(lost)) }
    }

    /// Stops taking lines; `run()` returns once the ones already queued are written.
    public func finish() {
        queue.finish()
    }

    /// Writes the lines of calls that finished together, in one transaction, then announces them to their users.
    private func write(_ finished: [FinishedCall], domainId: Int64, time: Date) async {
        var names: [String: String] = [:]
        if let callerNames {
            for call in finished where call.direction == .incoming {
                guard let peer = call.peerNumber, !peer.isEmpty else { continue }
                names["\(call.device)|\(peer)"] = await callerNames.callerName(domainId: domainId, device: call.device, number: peer)
            }
        }
        counts.withLock { $0.queued -= UInt64(finished.count) }
        let written: [CallLogEntry]
        do {
            let resolved = names
            let webhooks = outbox.withLock { $0 }
            let mail = mail.withLock { $0 }
            if webhooks != nil || mail != nil {
                await webhooks?.prepare()
                let recipients = await mail?.recipients(for: finished, domainId: domainId) ?? [:]
                let result = try await store.writeLines(for: finished, names: resolved, domainId: domainId) { lines in
                    CallLogOutboxRows(
                        deliveries: webhooks?.callLogDeliveries(lines, domainId: domainId, time: time) ?? [],
                        mails: recipients.isEmpty ? [] : mail?.mails(for: lines, recipients: recipients, time: time) ?? []
                    )
                }
                written = result.lines
                webhooks?.callLogDeliveriesCommitted(result.rows.deliveries.count)
                mail?.committed(result.rows.mails.count)
            } else {
                written = try await store.writeLines(for: finished, names: resolved, domainId: domainId)
            }
        } catch {
            counts.withLock { $0.failed += UInt64(finished.count) }
            onFailure(error, finished.count)
            return
        }
        counts.withLock { $0.written += UInt64(written.count) }
        for entry in written {
            publisher.publish(
                domainId: domainId,
                audience: .user(entry.userId),
                event: PushEvent(
                    type: .callLog,
                    time: time,
                    callLog: CallLogPayload(
                        entryId: entry.id ?? 0,
                        kind: entry.kind.rawValue,
                        device: entry.device,
                        peerNumber: entry.peerNumber,
                        peerName: entry.peerName
                    )
                )
            )
        }
    }
}

/// A call ended after the call-log writer stopped (the server was shutting down): its line cannot be written.
public struct CallLogWriterStopped: Error, CustomStringConvertible {
    public var description: String { "the call-log writer has stopped" }
}

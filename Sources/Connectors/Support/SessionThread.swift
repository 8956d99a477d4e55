import Domain
import Foundation
import Synchronization

/// A thread of its own that owns one reader's session (file descriptor, ODBC or LDAP handles) and runs the
/// reader's blocking calls on it, one at a time, in the order they were asked for.
///
/// The session never leaves the thread, so the C handles it holds are used by one thread only and need no lock;
/// callers wait with a continuation, so neither the cooperative pool nor Dispatch's global queues are blocked.
/// When the owner goes away (`finish`) the thread drops the session, whose `deinit` releases what it holds.
final class SessionThread<Session: AnyObject>: Sendable {
    private typealias Job = @Sendable (inout Session?) -> Void

    /// The jobs waiting for the thread, shared by the thread and the owner.
    private final class JobQueue: Sendable {
        struct Pending {
            var jobs: [Job] = []
            var finished = false
        }
        let pending = Mutex(Pending())
        /// Signalled once per job and once by `finish`.
        let wakeUp = DispatchSemaphore(value: 0)

        /// Waits for the next job; nil once finished and drained.
        func next() -> Job? {
            wakeUp.wait()
            return pending.withLock { $0.jobs.isEmpty ? nil : $0.jobs.removeFirst() }
        }
    }

    private let queue = JobQueue()

    init(name: String) {
        let thread = Thread { [queue] in
            // libldap and some ODBC drivers write to sockets without MSG_NOSIGNAL: a server that went away would
            // raise SIGPIPE and end the whole process. Blocked on this thread, it is taken back after each job.
            var brokenPipe = sigset_t()
            sigemptyset(&brokenPipe)
            sigaddset(&brokenPipe, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &brokenPipe, nil)
            var session: Session?
            while let job = queue.next() {
                job(&session)
                Self.discardPending(brokenPipe)
            }
            session = nil
            Self.discardPending(brokenPipe)
        }
        thread.name = name
        thread.start()
    }

    deinit { finish() }

    /// Takes a SIGPIPE raised on this thread out of its pending set, without waiting.
    private static func discardPending(_ signals: sigset_t) {
        var signals = signals
        var pending = sigset_t()
        var noWait = timespec(tv_sec: 0, tv_nsec: 0)
        while sigpending(&pending) == 0, sigismember(&pending, SIGPIPE) == 1, sigtimedwait(&signals, nil, &noWait) == SIGPIPE {}
    }

    /// Runs `body` on the thread with the session (nil before the first job sets it) and returns its result.
    func run<Value: Sendable>(
        _ body: @escaping @Sendable (inout Session?) throws(DirectorySourceError) -> Value
    ) async throws(DirectorySourceError) -> Value {
        let result: Result<Value, DirectorySourceError> = await withCheckedContinuation { continuation in
            let accepted = queue.pending.withLock { pending in
                guard !pending.finished else { return false }
                pending.jobs.append { session in
                    continuation.resume(returning: Result { () throws(DirectorySourceError) in try body(&session) })
                }
                return true
            }
            if accepted {
                queue.wakeUp.signal()
            } else {
                continuation.resume(returning: .failure(DirectorySourceError(.readFailed, "the reader is closed")))
            }
        }
        return try result.get()
    }

    /// Lets the thread end once the jobs already queued have run; it then releases the session.
    func finish() {
        let first = queue.pending.withLock { pending in
            defer { pending.finished = true }
            return !pending.finished
        }
        if first { queue.wakeUp.signal() }
    }
}

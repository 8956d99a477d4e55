import Domain
import Foundation
import NIOPosix
import Synchronization

/// Runs one reader's blocking calls on the shared pool for blocking C calls, one at a time and in the order they were
/// asked for, and keeps the reader's session (file descriptor, ODBC or LDAP handles) between them.
///
/// Consecutive calls may run on different threads of the pool, and no reader keeps a thread of its own, because none of
/// the C libraries ties a handle to a thread: libldap 2.5 is thread-safe per session (ldap.h defines
/// LDAP_API_FEATURE_SESSION_THREAD_SAFE: a handle may be used from any thread); unixODBC's driver manager and Debian's
/// PostgreSQL and SQLite drivers keep no per-thread state (libodbc, psqlodbcw.so and libsqlite3odbc.so use no thread
/// keys and no thread-local storage, at most per-handle locks); a file descriptor belongs to the process. What they do
/// need is that no two threads use a handle at once, which the queue guarantees, and that an error is read in the call
/// that caused it, which every session does. Callers wait with a continuation, so neither the cooperative pool nor an
/// event loop is blocked.
final class SessionQueue<Session: AnyObject>: Sendable {
    private typealias Job = @Sendable (_ session: inout Session?, _ poolRunning: Bool) -> Void

    private struct Pending {
        var jobs: [Job] = []
        /// A pool thread is taking jobs; no other may start.
        var draining = false
        var finished = false
    }

    /// The session between jobs.
    ///
    /// `@unchecked Sendable` because only jobs touch it, and they run one at a time: a job starts only on the pool
    /// thread that set `draining` under the lock, and the next job, on whatever thread, starts after that thread took
    /// the lock again to clear `draining` or to take the next job, so every access happens after the previous one.
    private final class SessionBox: @unchecked Sendable {
        var session: Session?
    }

    private static var closed: DirectorySourceError { DirectorySourceError(.readFailed, "the reader is closed") }

    private let pool: NIOThreadPool
    private let pending = Mutex(Pending())
    private let box = SessionBox()

    init(pool: NIOThreadPool) {
        self.pool = pool
    }

    deinit {
        // A reader dropped without `close`: its session lets go of its handles on the pool, since that may block.
        let box = self.box
        if box.session != nil { pool.submit { _ in box.session = nil } }
    }

    /// Runs `body` with the session (nil before the first job sets it) and returns its result.
    func run<Value: Sendable>(
        _ body: @escaping @Sendable (inout Session?) throws(DirectorySourceError) -> Value
    ) async throws(DirectorySourceError) -> Value {
        let result: Result<Value, DirectorySourceError> = await withCheckedContinuation { continuation in
            let job: Job = { session, poolRunning in
                guard poolRunning else { return continuation.resume(returning: .failure(Self.closed)) }
                continuation.resume(returning: Result { () throws(DirectorySourceError) in try body(&session) })
            }
            if !enqueue(job) { continuation.resume(returning: .failure(Self.closed)) }
        }
        return try result.get()
    }

    /// Lets the queue end once the jobs already queued have run; it then releases the session on the pool.
    func finish() {
        _ = enqueue(last: true) { session, _ in session = nil }
    }

    /// Queues `job` (the last one when `last`) and starts taking jobs on the pool unless a thread already does; false
    /// once finished.
    private func enqueue(last: Bool = false, _ job: @escaping Job) -> Bool {
        let (accepted, start) = pending.withLock { pending -> (Bool, Bool) in
            guard !pending.finished else { return (false, false) }
            pending.jobs.append(job)
            pending.finished = last
            defer { pending.draining = true }
            return (true, !pending.draining)
        }
        if start { pool.submit { [self] state in drain(poolRunning: state == .active) } }
        return accepted
    }

    /// Runs the queued jobs, one after the other, until none is left.
    private func drain(poolRunning: Bool) {
        while let job = pending.withLock({ pending -> Job? in
            if pending.jobs.isEmpty {
                pending.draining = false
                return nil
            }
            return pending.jobs.removeFirst()
        }) {
            Self.withBrokenPipeBlocked { job(&box.session, poolRunning) }
        }
    }

    /// Runs `body` with SIGPIPE blocked on this thread, then drops a SIGPIPE it raised and restores the thread's mask.
    ///
    /// libldap and some ODBC drivers write to sockets without MSG_NOSIGNAL: a server that went away would raise SIGPIPE
    /// and end the whole process where nothing ignores it (NIO ignores it process-wide once it opens a socket).
    private static func withBrokenPipeBlocked(_ body: () -> Void) {
        var brokenPipe = sigset_t()
        sigemptyset(&brokenPipe)
        sigaddset(&brokenPipe, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &brokenPipe, &previous)
        body()
        var raised = sigset_t()
        var noWait = timespec(tv_sec: 0, tv_nsec: 0)
        while sigpending(&raised) == 0, sigismember(&raised, SIGPIPE) == 1, sigtimedwait(&brokenPipe, nil, &noWait) == SIGPIPE {}
        pthread_sigmask(SIG_SETMASK, &previous, nil)
    }
}

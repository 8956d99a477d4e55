import Foundation
import GRDB
import Synchronization

/// Read-only connections lent to reads without GRDB's pool. A reverse lookup reads one contact by id in tens of
/// microseconds, and `DatabasePool.read` wrapped that read in a barrier-queue sync, a semaphore, a dispatch group and
/// a lock to lend a reader, a `PRAGMA schema_version`, and a `BEGIN` and `COMMIT` compiled anew each time: a third of
/// the read (perf, issue 22). Here a connection is taken from a stack under a mutex, its transaction begins and
/// commits with statements it compiled once, and it goes back.
///
/// Reads run on their caller's thread and never suspend (`AppDatabase.read`), so as many connections are open as
/// threads have read at once: the event loops and the cooperative pool. Past `limit` at once, the pool reads.
final class ReadConnections: Sendable {
    private let path: String
    private let configuration: Configuration
    let limit: Int
    private let state = Mutex(State())

    private struct Connection: Sendable {
        let queue: DatabaseQueue
        let generation: Int
    }

    private struct State {
        var idle: [Connection] = []
        /// Idle and lent.
        var open = 0
        var closed = false
        /// Bumped by `closeAll`: a connection lent before is closed when it comes back.
        var generation = 0
    }

    /// `configuration` is the pool's: each connection is read-only, with the same pragmas (page cache, memory map).
    init(path: String, configuration: Configuration, limit: Int) {
        var configuration = configuration
        configuration.readonly = true
        self.path = path
        self.configuration = configuration
        self.limit = limit
    }

    /// Runs `body` in a read transaction on one of the connections, or returns nil when `limit` connections are
    /// lent already (the caller reads from the pool).
    func read<T>(_ body: (Database) throws -> T) throws -> T? {
        guard let connection = try take() else { return nil }
        var reusable = false
        defer { giveBack(connection, reusable: reusable) }
        return try connection.queue.inDatabase { db in
            try db.cachedStatement(sql: "BEGIN DEFERRED TRANSACTION").execute()
            defer {
                // A read changes nothing: COMMIT ends it whether `body` returned or threw (a Domain error is an
                // answer, not a broken connection); ROLLBACK if even that failed, which also resets what still runs.
                if (try? db.cachedStatement(sql: "COMMIT").execute()) == nil { try? db.execute(sql: "ROLLBACK") }
                reusable = !db.isInsideTransaction
            }
            return try body(db)
        }
    }

    /// Closes every connection (the database closes, or its content was replaced and the connections' schema caches
    /// are stale); `closing` false lets new ones open afterwards.
    func closeAll(closing: Bool) {
        let idle = state.withLock { state in
            state.closed = state.closed || closing
            state.generation += 1
            defer { state.open -= state.idle.count; state.idle = [] }
            return state.idle
        }
        for connection in idle { try? connection.queue.close() }
    }

    /// The connections open now, idle or lent (tests).
    var openCount: Int { state.withLock { $0.open } }

    private func take() throws -> Connection? {
        enum Taken { case idle(Connection), open(generation: Int), none }
        let taken = state.withLock { state -> Taken in
            if state.closed { return .none }
            if let connection = state.idle.popLast() { return .idle(connection) }
            guard state.open < limit else { return .none }
            state.open += 1
            return .open(generation: state.generation)
        }
        switch taken {
        case .idle(let connection): return connection
        case .none: return nil
        case .open(let generation):
            do {
                return Connection(queue: try DatabaseQueue(path: path, configuration: configuration), generation: generation)
            } catch {
                state.withLock { $0.open -= 1 }
                throw error
            }
        }
    }

    /// A connection left in a transaction (its COMMIT and ROLLBACK both failed) is closed rather than lent again.
    private func giveBack(_ connection: Connection, reusable: Bool) {
        let keep = state.withLock { state in
            if state.closed || !reusable || connection.generation != state.generation {
                state.open -= 1
                return false
            }
            state.idle.append(connection)
            return true
        }
        if !keep { try? connection.queue.close() }
    }
}

import Domain
import NIOPosix

/// What a reader drives with its blocking calls: an open file, ODBC statement or LDAP search. The type (not its
/// instances) is shared between the reader and the pool threads that run its calls, hence `SendableMetatype`.
protocol ReadingSession: AnyObject, SendableMetatype {
    /// The next rows, at most `limit`; nil once the source is exhausted. Blocks the calling thread.
    func nextRows(limit: Int) throws(DirectorySourceError) -> [SourceRow]?
    /// Releases the connection or file; safe to call twice and after an error.
    func close()
}

/// A `DirectoryReader` over a session kept by a `SessionQueue`: every blocking call runs on the shared pool.
final class SessionReader<Session: ReadingSession>: DirectoryReader {
    private let queue: SessionQueue<Session>

    private init(queue: SessionQueue<Session>) { self.queue = queue }

    /// Opens the session on `pool` with `makeSession` (connect, bind, open the file).
    static func open(
        on pool: NIOThreadPool,
        _ makeSession: @escaping @Sendable () throws(DirectorySourceError) -> Session
    ) async throws(DirectorySourceError) -> SessionReader {
        let queue = SessionQueue<Session>(pool: pool)
        do throws(DirectorySourceError) {
            try await queue.run { (session: inout Session?) throws(DirectorySourceError) in session = try makeSession() }
        } catch {
            queue.finish()
            throw error
        }
        return SessionReader(queue: queue)
    }

    func next(limit: Int) async throws(DirectorySourceError) -> [SourceRow]? {
        try await queue.run { (session: inout Session?) throws(DirectorySourceError) in
            guard let session else { throw DirectorySourceError(.readFailed, "the reader is closed") }
            return try session.nextRows(limit: max(limit, 1))
        }
    }

    func close() async {
        _ = try? await queue.run { (session: inout Session?) in
            session?.close()
            session = nil
        }
        queue.finish()
    }

    /// Reads a value of the session on the pool (for tests and metrics); nil once closed.
    func inspect<Value: Sendable>(_ body: @escaping @Sendable (Session) -> Value) async -> Value? {
        try? await queue.run { (session: inout Session?) in session.map(body) }
    }
}

import Domain

/// What a reader drives on its own thread: an open file, ODBC statement or LDAP search. The type (not its
/// instances) is shared between the reader and its thread, hence `SendableMetatype`.
protocol ReadingSession: AnyObject, SendableMetatype {
    /// The next rows, at most `limit`; nil once the source is exhausted. Blocks the session's thread.
    func nextRows(limit: Int) throws(DirectorySourceError) -> [SourceRow]?
    /// Releases the connection or file; safe to call twice and after an error.
    func close()
}

/// A `DirectoryReader` over a session that lives on a `SessionThread`: every blocking call runs there.
final class SessionReader<Session: ReadingSession>: DirectoryReader {
    private let thread: SessionThread<Session>

    private init(thread: SessionThread<Session>) { self.thread = thread }

    /// Starts the thread and opens the session on it with `makeSession` (connect, bind, open the file).
    static func open(
        threadName: String,
        _ makeSession: @escaping @Sendable () throws(DirectorySourceError) -> Session
    ) async throws(DirectorySourceError) -> SessionReader {
        let thread = SessionThread<Session>(name: threadName)
        do throws(DirectorySourceError) {
            try await thread.run { (session: inout Session?) throws(DirectorySourceError) in session = try makeSession() }
        } catch {
            thread.finish()
            throw error
        }
        return SessionReader(thread: thread)
    }

    func next(limit: Int) async throws(DirectorySourceError) -> [SourceRow]? {
        try await thread.run { (session: inout Session?) throws(DirectorySourceError) in
            guard let session else { throw DirectorySourceError(.readFailed, "the reader is closed") }
            return try session.nextRows(limit: max(limit, 1))
        }
    }

    func close() async {
        _ = try? await thread.run { (session: inout Session?) in
            session?.close()
            session = nil
        }
        thread.finish()
    }

    /// Reads a value of the session on its thread (for tests and metrics); nil once closed.
    func inspect<Value: Sendable>(_ body: @escaping @Sendable (Session) -> Value) async -> Value? {
        try? await thread.run { (session: inout Session?) in session.map(body) }
    }
}

/// Runs work that a request waits for but that takes seconds of CPU (a directory synchronisation, a user import) on
/// Swift's global pool instead of the request's own executor: the server handles each connection on the event loop of
/// its socket, and mapping hundreds of thousands of rows there would hold that loop's other connections meanwhile.
public func awayFromTheRequest<T, Failure: Error>(_ work: () async throws(Failure) -> T) async throws(Failure) -> T {
    try await withTaskExecutorPreference(globalConcurrentExecutor, operation: work)
}

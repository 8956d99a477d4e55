import Auth
import Domain
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypesHTTP1

/// A listener's connections, each handled with the event loop that owns its socket as the executor of its task and of
/// every task that task starts.
///
/// Hummingbird starts a connection's task from the listener's own task, and Swift runs it on its pool: every request
/// then crossed threads twice, from the event loop that read it to a pool thread that handled it, and back to the
/// loop to write the answer, each crossing a wake-up of a sleeping thread. With the loop as the task's executor
/// preference, reading, handling and writing happen on one thread. Nothing slow may run there, as on Swift's pool
/// before: blocking C calls go to NIO's blocking pool (so does bcrypt), database reads take tens of microseconds.
public struct OnItsEventLoop<Connection: ServerChildChannel>: ServerChildChannel {
    public typealias Value = Connection.Value

    let connection: Connection
    /// Reverse lookups answered in the pipeline (`DirectoryLookupHandler`), when set.
    let lookups: DirectoryLookups?

    public init(_ connection: Connection, lookups: DirectoryLookups? = nil) {
        self.connection = connection
        self.lookups = lookups
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let value = connection.setup(channel: channel, logger: logger)
        guard let lookups else { return value }
        // Hummingbird's HTTP/1 set-up is synchronous (a completed future, on the channel's loop, before its first
        // read): the handler goes in before the codec to Swift HTTP Types, where Hummingbird's own extra handlers
        // cannot go.
        return value.flatMapThrowing { value in
            let codec = try channel.pipeline.syncOperations.handler(type: HTTP1ToHTTPServerCodec.self)
            try channel.pipeline.syncOperations.addHandler(DirectoryLookupHandler(lookups), position: .before(codec))
            return value
        }
    }

    public func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await connection.handle(value: value, logger: logger)
        }
    }
}

/// An event loop as a task executor: jobs run on the loop's thread, after what it is doing.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1, each connection on its own event loop (`OnItsEventLoop`), or Hummingbird's own server. With
    /// `lookups`, and connections on their loops, reverse lookups are answered in the pipeline
    /// (`DirectoryLookupHandler`): the loop already runs the handlers and their database reads.
    public static func http1(onItsEventLoop: Bool, lookups: DirectoryLookups? = nil) -> HTTPServerBuilder {
        guard onItsEventLoop else { return .http1() }
        guard let lookups else { return HTTPServerBuilder { responder in OnItsEventLoop(HTTP1Channel(responder: responder)) } }
        return HTTPServerBuilder { responder in OnItsEventLoop(HTTP1Channel(responder: responder), lookups: lookups) }
    }
}

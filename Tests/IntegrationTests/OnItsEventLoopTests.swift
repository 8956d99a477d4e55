import Endpoints
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import HTTPTypes
import Logging
@testable import Server
import NIOCore
import Testing

/// A request's handler runs on the event loop of its connection, before and after it waits, also in a child task:
/// no thread crossing per request (issue 22). Hummingbird's own HTTP/1 server, the control, runs it elsewhere.
@Suite struct OnItsEventLoopTests {
    /// The request context of these tests: it keeps the connection's event loop.
    struct LoopContext: RequestContext {
        var coreContext: CoreRequestContextStorage
        let eventLoop: any EventLoop

        init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            eventLoop = source.channel.eventLoop
        }
    }

    /// "before after child": whether each step ran on the connection's loop.
    static func whereHandlersRun(_ server: HTTPServerBuilder) async throws -> String {
        let router = Router(context: LoopContext.self)
        router.get("/where") { _, context -> String in
            let before = context.eventLoop.inEventLoop
            try await Task.sleep(for: .milliseconds(2))
            let after = context.eventLoop.inEventLoop
            let child = await withTaskGroup(of: Bool.self) { group in
                group.addTask { context.eventLoop.inEventLoop }
                return await group.next() ?? false
            }
            return "\(before) \(after) \(child)"
        }
        var logger = Logger(label: "on-its-event-loop")
        logger.logLevel = .critical
        let application = Application(router: router, server: server, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        return try await application.test(.live) { client in
            var answers: Set<String> = []
            // Several connections, so that both loops of the group get some.
            for _ in 0..<4 {
                let response = try await client.execute(uri: "/where", method: .get, headers: [.connection: "close"])
                answers.insert(String(buffer: response.body))
            }
            return answers.sorted().joined(separator: ", ")
        }
    }

    @Test func aRequestIsHandledOnItsConnectionsEventLoop() async throws {
        #expect(try await Self.whereHandlersRun(.http1(onItsEventLoop: true)) == "true true true")
    }

    @Test func switchedOffHummingbirdsOwnServerHandlesItElsewhere() async throws {
        #expect(try await Self.whereHandlersRun(.http1(onItsEventLoop: false)) == "false false false")
    }

    @Test func theConfigurationSwitchesItOffByFileAndByEnvironment() throws {
        #expect(try AppConfiguration.load(file: nil, environment: [:]).connectionsOnEventLoops)
        #expect(try !AppConfiguration.load(file: nil, environment: ["TWS_CONNECTIONS_ON_EVENT_LOOPS": "false"]).connectionsOnEventLoops)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tws-config-\(UUID().uuidString).json")
        try Data(#"{"connectionsOnEventLoops": false}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try !AppConfiguration.load(file: file.path, environment: [:]).connectionsOnEventLoops)
    }
}

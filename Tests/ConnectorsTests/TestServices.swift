import Foundation
import Synchronization
import Testing

/// The repository root, for the scripts in scripts/test-services.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Why a test service did not start or a step took too long.
struct TestServiceError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A throw-away service started by a script of scripts/test-services (`start DIR PORT` / `stop DIR PORT`) on a free
/// loopback port, in a temporary directory that is deleted when it stops.
final class TestService: Sendable {
    let directory: URL
    let port: Int
    private let script: URL
    private let environment: [String: String]

    private init(script: URL, directory: URL, port: Int, environment: [String: String]) {
        self.script = script
        self.directory = directory
        self.port = port
        self.environment = environment
    }

    /// A PostgreSQL 15 cluster (postgres.sh): role tws / tws-secret, database contacts with 4 fixed + `rows` generated contacts.
    static func postgreSQL(rows: Int) async throws -> TestService {
        try await start(
            "postgres.sh",
            needs: ["/usr/lib/postgresql/15/bin/initdb", "/usr/lib/postgresql/15/bin/pg_ctl", "/usr/lib/postgresql/15/bin/psql"],
            install: "postgresql",
            environment: ["PG_GEN_CONTACTS": String(rows)]
        )
    }

    /// An OpenLDAP server (ldap.sh) with `users` generated entries uid=genNNNNN,ou=people,dc=example,dc=org;
    /// ldaps on `port + 1` is not used: `ldapsPort` is a free port of its own.
    static func slapd(users: Int) async throws -> TestService {
        try await start(
            "ldap.sh",
            needs: ["/usr/sbin/slapd", "/usr/sbin/slapadd", "/usr/sbin/slappasswd", "/usr/bin/ldapsearch", "/usr/bin/openssl"],
            install: "slapd ldap-utils openssl",
            environment: ["LDAP_GEN_USERS": String(users), "LDAPS_PORT": String(try LoopbackPort.free())]
        )
    }

    /// The ldaps port of a `slapd` service.
    var ldapsPort: Int { Int(environment["LDAPS_PORT"] ?? "") ?? 0 }

    /// Starts the script's service; fails (never skips) with a clear message when a tool is missing.
    private static func start(_ name: String, needs tools: [String], install: String, environment: [String: String]) async throws -> TestService {
        let missing = tools.filter { !FileManager.default.isExecutableFile(atPath: $0) }
        guard missing.isEmpty else {
            throw TestServiceError("\(name) needs \(missing.joined(separator: ", ")): run `make test` (it installs \(install))")
        }
        var lastLog = ""
        // A free port is found by binding port 0 and closing it; another process may take it meanwhile, so retry.
        for _ in 0..<3 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tws-\(name)-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let service = TestService(
                script: packageRoot.appendingPathComponent("scripts/test-services/\(name)"),
                directory: directory,
                port: try LoopbackPort.free(),
                environment: environment
            )
            if try await service.runScript("start") == 0 { return service }
            lastLog = (try? String(contentsOf: directory.appendingPathComponent("script.log"), encoding: .utf8)) ?? ""
            await service.stop()
        }
        throw TestServiceError("\(name) did not start:\n\(lastLog)")
    }

    /// Stops the service and deletes its directory.
    func stop() async {
        await halt()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Stops the service and keeps its directory (a server that goes away under a reader).
    func halt() async {
        _ = try? await runScript("stop")
    }

    private func runScript(_ command: String) async throws -> Int32 {
        try await spawn(
            "/bin/bash",
            [script.path, command, directory.path, String(port)],
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new },
            output: directory.appendingPathComponent("script.log").path
        )
    }
}

/// Runs `body` with `service` and stops the service afterwards, also when `body` fails.
func withService<T>(_ service: TestService, _ body: (TestService) async throws -> T) async throws -> T {
    do {
        let result = try await body(service)
        await service.stop()
        return result
    } catch {
        await service.stop()
        throw error
    }
}

/// Runs a program to its end and returns its exit status, waiting on a thread of its own, not a task thread.
///
/// Not Foundation's `Process`: its children inherit the spawning thread's blocked signals (a daemon then ignores
/// SIGTERM), and it learns that a child ended from a pipe the child's own children keep open.
func spawn(_ executable: String, _ arguments: [String], environment: [String: String], output: String) async throws -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var unblocked = sigset_t()
    sigemptyset(&unblocked)
    posix_spawnattr_setsigmask(&attributes, &unblocked)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for pointer in argv + envp { free(pointer) } }
    var pid = pid_t()
    let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
    guard spawned == 0 else { throw TestServiceError("cannot run \(executable): \(String(cString: strerror(spawned)))") }
    let child = pid
    return try await onOwnThread {
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}

/// Runs blocking work on a new thread and waits for it without holding a pool thread.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// `body`'s result, or a failure once `seconds` have passed: a reader that hangs fails the test instead of the run.
/// The hung work is left behind (it cannot be cancelled), which is acceptable in a failing test.
func within<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let waiter = Waiter<T>()
    return try await withCheckedThrowingContinuation { continuation in
        waiter.continuation.withLock { $0 = continuation }
        Task {
            let result = await Result { () async throws -> T in try await body() }
            waiter.resume(with: result)
        }
        Task {
            try? await Task.sleep(for: .seconds(seconds))
            waiter.resume(with: .failure(TestServiceError("no answer within \(seconds) s")))
        }
    }
}

/// A continuation resumed by whichever of two tasks ends first.
private final class Waiter<T: Sendable>: Sendable {
    let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

    func resume(with result: Result<T, any Error>) {
        continuation.withLock { $0.take() }?.resume(with: result)
    }
}

extension Result where Failure == any Error {
    /// The outcome of async work.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

/// Free loopback ports.
enum LoopbackPort {
    /// A port nothing listens on right now (bound to port 0, read back, closed).
    static func free() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestServiceError("socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        guard bound else { throw TestServiceError("bind failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Runs a suite with one service, started before its first test and stopped after its last.
struct ServiceFixture: SuiteTrait, TestScoping {
    /// The service of the running suite.
    @TaskLocal static var current: TestService?

    let start: @Sendable () async throws -> TestService

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let service = try await start()
        do {
            try await Self.$current.withValue(service) { try await function() }
        } catch {
            await service.stop()
            throw error
        }
        await service.stop()
    }
}

extension Trait where Self == ServiceFixture {
    /// A real PostgreSQL for the suite, as `ServiceFixture.current`.
    static func postgreSQL(rows: Int) -> Self { Self { try await TestService.postgreSQL(rows: rows) } }
    /// A real slapd for the suite, as `ServiceFixture.current`.
    static func slapd(users: Int) -> Self { Self { try await TestService.slapd(users: users) } }
}

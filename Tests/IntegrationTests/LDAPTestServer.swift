import Foundation
import Testing

/// A throw-away OpenLDAP server (`scripts/test-services/ldap.sh`) on free loopback ports, in a temporary
/// directory: suffix dc=example,dc=org, users alice, bob, emptypw and `o,dd+na"me\x=y`, a CA in `ca.pem`
/// that signs its certificate and an unrelated `other-ca.pem`. It accepts "DN + empty password" binds
/// (`olcAllows: bind_anon_dn`), so tests prove the product refuses empty passwords by itself.
final class LDAPTestServer: Sendable {
    /// The server of the running suite (see `SlapdFixture`).
    @TaskLocal static var current: LDAPTestServer?

    let directory: URL
    /// Plain LDAP and StartTLS.
    let port: Int
    /// LDAP over TLS.
    let ldapsPort: Int

    var caFile: String { directory.appendingPathComponent("ca.pem").path }
    var otherCAFile: String { directory.appendingPathComponent("other-ca.pem").path }

    static let script = packageRoot.appendingPathComponent("scripts/test-services/ldap.sh")

    private init(directory: URL, port: Int, ldapsPort: Int) {
        self.directory = directory
        self.port = port
        self.ldapsPort = ldapsPort
    }

    /// Why the server did not start.
    struct StartError: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts slapd; fails (never skips) with a clear message when slapd is not installed.
    static func start(generatedUsers: Int = 0) async throws -> LDAPTestServer {
        let tools = ["/usr/sbin/slapd", "/usr/sbin/slapadd", "/usr/sbin/slappasswd", "/usr/bin/ldapsearch", "/usr/bin/openssl"]
        let missing = tools.filter { !FileManager.default.isExecutableFile(atPath: $0) }
        guard missing.isEmpty else {
            throw StartError(
                description: "LDAP tests need a real slapd, and \(missing.joined(separator: ", ")) is missing: "
                    + "run `make test` (it installs slapd ldap-utils openssl) or `apt-get install slapd ldap-utils openssl`"
            )
        }
        var lastLog = ""
        // Free ports are found by binding port 0 and closing; another process may take one in between, so retry.
        for _ in 0..<3 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tws-slapd-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let port = try LoopbackPort.free()
            let ldapsPort = try LoopbackPort.free()
            let server = LDAPTestServer(directory: directory, port: port, ldapsPort: ldapsPort)
            let status = try await server.runScript(
                ["start", directory.path, String(port)],
                environment: ["LDAPS_PORT": String(ldapsPort), "LDAP_GEN_USERS": String(generatedUsers)]
            )
            if status == 0 { return server }
            lastLog = (try? String(contentsOf: directory.appendingPathComponent("script.log"), encoding: .utf8)) ?? ""
            await server.stop()
        }
        throw StartError(description: "slapd did not start (\(script.path)):\n\(lastLog)")
    }

    /// Stops slapd and deletes the directory.
    func stop() async {
        _ = try? await runScript(["stop", directory.path, String(port)], environment: [:])
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs the fixture script to its end; its output goes to `script.log`.
    private func runScript(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        try await Self.spawn(
            "/bin/bash",
            [Self.script.path] + arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new },
            output: directory.appendingPathComponent("script.log").path
        )
    }

    /// Runs a program to its end and returns its exit status, waiting on a Dispatch thread, not a task thread.
    ///
    /// Not Foundation's `Process`: its children inherit the spawning thread's blocked signals (slapd then
    /// ignores SIGTERM), and it learns that a child ended from a pipe the child's own children keep open.
    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String], output: String) async throws -> Int32 {
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
        guard spawned == 0 else { throw StartError(description: "cannot run \(executable): \(String(cString: strerror(spawned)))") }
        let child = pid
        // Waited for on a thread of its own, not on Dispatch's global queue, whose threads the cooperative pool shares.
        return try await onOwnThread {
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
            // WIFEXITED / WEXITSTATUS, which Swift does not import.
            return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        }
    }
}

/// Runs a suite with one `LDAPTestServer`, started before its first test and stopped after its last.
struct SlapdFixture: SuiteTrait, TestScoping {
    /// Extra entries uid=genNNNNN (with a number and a mail) for paged searches.
    var generatedUsers = 0

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let server = try await LDAPTestServer.start(generatedUsers: generatedUsers)
        do {
            try await LDAPTestServer.$current.withValue(server) { try await function() }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}

extension Trait where Self == SlapdFixture {
    /// A real slapd for the suite's tests, as `LDAPTestServer.current`.
    static var slapd: Self { Self() }

    /// A real slapd holding `generatedUsers` more entries than the fixed ones.
    static func slapd(generatedUsers: Int) -> Self { Self(generatedUsers: generatedUsers) }
}

/// Loopback TCP helpers: free ports, closed ports and listeners that never answer.
enum LoopbackPort {
    /// Why a socket could not be set up.
    struct SocketError: Error {
        let step: String
    }

    /// A port nothing listens on right now (bound to port 0, read back, closed).
    static func free() throws -> Int {
        let listener = try SilentListener(listening: false)
        defer { listener.close() }
        return listener.port
    }
}

/// A TCP socket on an ephemeral 127.0.0.1 port (or `port`) that listens and never accepts: the kernel completes
/// connections, so a client gets connected and then hears nothing, like a hung server. Not listening, it refuses them
/// and only holds the port.
final class SilentListener: Sendable {
    let port: Int
    private let descriptor: Int32

    /// A given `port` is bound with SO_REUSEADDR: connections of the process that had it may still be in TIME_WAIT.
    init(port: Int = 0, listening: Bool = true) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LoopbackPort.SocketError(step: "socket") }
        if port != 0 {
            var yes: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && (!listening || listen(fd, 16) == 0) && getsockname(fd, generic, &length) == 0
            }
        }
        guard ready else {
            Glibc.close(fd)
            throw LoopbackPort.SocketError(step: "bind/listen")
        }
        // Non-blocking, so that acceptedConnections() polls without hanging.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        descriptor = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Accepts (and closes) whatever connected so far and returns how many did.
    func acceptedConnections() -> Int {
        var count = 0
        while case let connection = accept(descriptor, nil, nil), connection >= 0 {
            Glibc.close(connection)
            count += 1
        }
        return count
    }

    func close() { Glibc.close(descriptor) }
}

import Foundation
import Testing

/// A throw-away MIT Kerberos KDC (scripts/test-services/kdc.sh) on loopback, started once per test process and
/// stopped when it exits: realms TWS.TEST and OTHER.TEST, principals alice, bob, carol (no product user), shortlived
/// (10 s tickets), dave@OTHER.TEST (cross-realm), and the service key HTTP/localhost@TWS.TEST in `keytab`.
///
/// GSSAPI reads its configuration from KRB5_CONFIG, a process-wide variable: it is set once here, before any
/// acceptor exists, to the realm's krb5.conf (which only sets realms, no DNS canonicalisation and a 5 s clock skew).
struct KerberosRealm: Sendable {
    let directory: URL
    let port: Int
    var keytab: String { directory.appendingPathComponent("http.keytab").path }
    var krb5Config: String { directory.appendingPathComponent("krb5.conf").path }

    static let shared = Task<KerberosRealm, any Error> { try await onOwnThread { try start() } }

    private static func start() throws -> KerberosRealm {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tws-kdc-\(UUID().uuidString.prefix(8))")
        let port = try LoopbackPort.free()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/test-services/kdc.sh")
            .standardized.path
        let started = try runProcess("/bin/bash", [script, "start", directory.path, String(port)])
        guard started.status == 0 else {
            throw KerberosFixtureError("kdc.sh failed (is krb5-kdc installed? make test installs it): \(started.output)")
        }
        setenv("KRB5_CONFIG", directory.appendingPathComponent("krb5.conf").path, 1)
        stopAtExit.pid =
            Int32(
                (try? String(contentsOf: directory.appendingPathComponent("krb5kdc.pid"), encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            ) ?? 0
        stopAtExit.directory = directory.path
        atexit {
            if stopAtExit.pid > 0 { kill(stopAtExit.pid, SIGKILL) }
            if let directory = stopAtExit.directory { try? FileManager.default.removeItem(atPath: directory) }
        }
        return KerberosRealm(directory: directory, port: port)
    }

    /// A fresh credential cache holding `principal`'s ticket (kinit with its password), or an empty one when
    /// `password` is nil.
    func credentialCache(_ principal: String, password: String?, lifetime: String? = nil) async throws -> String {
        let cache = "FILE:" + directory.appendingPathComponent("\(UUID().uuidString).cc").path
        guard let password else { return cache }
        var arguments = [principal]
        if let lifetime { arguments = ["-l", lifetime] + arguments }
        let result = try await runProcessOffPool(
            "/usr/bin/kinit",
            arguments,
            environment: ["KRB5_CONFIG": krb5Config, "KRB5CCNAME": cache],
            input: password + "\n"
        )
        guard result.status == 0 else { throw KerberosFixtureError("kinit \(principal): \(result.output)") }
        return cache
    }

    /// `curl --negotiate` against `url` (GET, or POST of `post`) with the given credential cache (and NTLM user
    /// file): the status and the body of the last answer.
    func negotiate(
        _ url: String,
        cache: String,
        ntlmUserFile: String? = nil,
        post: (body: String, contentType: String)? = nil
    ) async throws -> (status: Int, body: String) {
        var environment = ["KRB5_CONFIG": krb5Config, "KRB5CCNAME": cache]
        if let ntlmUserFile { environment["NTLM_USER_FILE"] = ntlmUserFile }
        var arguments = ["-s", "--negotiate", "-u", ":", "-w", "\n%{http_code}"]
        if let post { arguments += ["-H", "Content-Type: \(post.contentType)", "--data-binary", post.body] }
        let result = try await runProcessOffPool("/usr/bin/curl", arguments + [url], environment: environment)
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }
}

struct KerberosFixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What the atexit handler stops (a C callback cannot capture).
nonisolated(unsafe) private var stopAtExit: (pid: Int32, directory: String?) = (0, nil)

/// Runs a program to completion: its exit status and its standard output and error together.
///
/// posix_spawn and waitpid on that pid, rather than Foundation's Process, whose exit notification was seen to be
/// missed here (waitUntilExit never returned after the child had exited).
func runProcess(
    _ path: String,
    _ arguments: [String],
    environment: [String: String] = [:],
    input: String? = nil
) throws -> (
    status: Int32, output: String
) {
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    var toChild: [Int32] = [0, 0]
    var fromChild: [Int32] = [0, 0]
    // Close-on-exec, so a child spawned meanwhile by a parallel test does not hold these pipes open.
    guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw KerberosFixtureError("pipe failed") }
    for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
    posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
    posix_spawn_file_actions_adddup2(&actions, fromChild[1], 2)
    for fd in toChild + fromChild { posix_spawn_file_actions_addclose(&actions, fd) }
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        for pointer in argv { free(pointer) }
        for pointer in envp { free(pointer) }
    }
    // The test process blocks signals on its threads, and a child would inherit that mask (a KDC it starts could then
    // not be stopped): start children with an empty mask and default handlers.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
    close(toChild[0])
    close(fromChild[1])
    guard spawned == 0 else {
        close(toChild[1])
        close(fromChild[0])
        throw KerberosFixtureError("cannot run \(path): error \(spawned)")
    }
    if let input { _ = input.withCString { write(toChild[1], $0, strlen($0)) } }
    close(toChild[1])
    var output = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(fromChild[0], &buffer, buffer.count)
        if count <= 0 { break }
        output += buffer[0..<count]
    }
    close(fromChild[0])
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (exitStatus, String(decoding: output, as: UTF8.self))
}

/// `runProcess` on a thread of its own: a child that talks to the server under test must not block one of the few
/// threads of Swift's cooperative pool (nor of Dispatch's global queues, which share them on Linux): the server's
/// handlers and the other tests running in parallel need them.
func runProcessOffPool(
    _ path: String,
    _ arguments: [String],
    environment: [String: String] = [:],
    input: String? = nil
) async throws -> (
    status: Int32, output: String
) {
    try await onOwnThread { try runProcess(path, arguments, environment: environment, input: input) }
}

/// Runs blocking work on a new thread and waits for it without holding a pool thread.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

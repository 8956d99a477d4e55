import Foundation

/// The CalDAV server of the calendar tests (issue 21): Debian's Radicale (`/usr/bin/python3 -m radicale`) on
/// 127.0.0.1 and a free port, its storage and htpasswd file (plain) in a temporary folder removed by `stop()`, any
/// authenticated account allowed to read and write every calendar (the service account of a calendar connection).
/// Calendars and events are written over CalDAV with curl, as a client would. Shared by ConnectorsTests and
/// IntegrationTests (symlinked there).
final class RadicaleServer: @unchecked Sendable {
    // @unchecked: `process` is replaced only by `start()`/`stop()`, which the owning test calls from one task.
    private(set) var process: Process?
    let port: Int
    let folder: URL
    let username = "tws-reader"
    let password = "calendar-secret-\(UUID().uuidString.prefix(6))"

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts Radicale on `port` (0: a free one) and waits until it accepts connections.
    init(port: Int = 0) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"),
            FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/radicale")
        else { throw RadicaleError("the calendar tests need Debian's radicale: run `make deps` (it installs it)") }
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("radicale-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "\(username):\(password)\n".write(to: folder.appendingPathComponent("users"), atomically: true, encoding: .utf8)
        self.port = port == 0 ? try Self.freePort() : port
        try start()
    }

    /// Starts (again, after `down()`) on the same port and storage.
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            "-m", "radicale", "--config", "", "--server-hosts", "127.0.0.1:\(port)", "--auth-type", "htpasswd",
            "--auth-htpasswd-filename", folder.appendingPathComponent("users").path, "--auth-htpasswd-encryption", "plain",
            "--auth-delay", "0", "--rights-type", "authenticated", "--storage-filesystem-folder", folder.appendingPathComponent("store").path,
            "--web-type", "none", "--logging-level", "warning",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if Self.accepts(port) { return }
            guard process.isRunning else { break }
            usleep(50_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
        throw RadicaleError("radicale did not start on port \(port)")
    }

    /// Stops the server, keeping its storage (a server that is down; `start()` brings it back).
    func down() {
        guard let process else { return }
        // SIGKILL: a test runner may leave SIGTERM ignored or blocked, and children inherit that.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Stops the server and removes its storage.
    func stop() {
        down()
        try? FileManager.default.removeItem(at: folder)
    }

    /// The URL of `owner`'s calendar under the default template `{base}/{email}/calendar/`.
    func calendarURL(_ owner: String) -> String { "\(baseURL)/\(owner)/calendar/" }

    /// Creates `owner`'s principal collection and calendar.
    func makeCalendar(_ owner: String) throws {
        try curl(["-X", "MKCOL", "\(baseURL)/\(owner)/"], expect: [201, 405])
        try curl(["-X", "MKCALENDAR", calendarURL(owner)], expect: [201])
    }

    /// PUTs an event into `owner`'s calendar: `body` is the VEVENT's lines (without BEGIN/END), wrapped in a VCALENDAR
    /// with `extra` components (VTIMEZONE) before it.
    func put(_ owner: String, uid: String, _ lines: [String], extra: [String] = []) throws {
        let text = (["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//TWS tests//EN"] + extra + ["BEGIN:VEVENT", "UID:\(uid)", "DTSTAMP:20260101T000000Z"]
            + lines + ["END:VEVENT", "END:VCALENDAR", ""]).joined(separator: "\r\n")
        let file = folder.appendingPathComponent("\(uid).ics")
        try text.write(to: file, atomically: true, encoding: .utf8)
        try curl(["-X", "PUT", "-H", "Content-Type: text/calendar; charset=utf-8", "--data-binary", "@\(file.path)", calendarURL(owner) + "\(uid).ics"], expect: [201, 204])
    }

    func delete(_ owner: String, uid: String) throws {
        try curl(["-X", "DELETE", calendarURL(owner) + "\(uid).ics"], expect: [200, 204])
    }

    private func curl(_ arguments: [String], expect: Set<Int>) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", "\(username):\(password)", "--max-time", "10"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard let code = Int(out), expect.contains(code) else { throw RadicaleError("curl \(arguments.prefix(2).joined(separator: " ")): HTTP \(out)") }
    }

    /// A port nobody listens on now (bound then released).
    static func freePort() throws -> Int {
        let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw RadicaleError("no socket") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw RadicaleError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(_ port: Int) -> Bool {
        let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// Radicale could not start, or refused a write.
struct RadicaleError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

import CLDAP
import Dispatch
import Foundation
import NIOPosix
import Synchronization

/// How one LDAP simple bind ended.
public enum LDAPBindOutcome: Sendable, Equatable {
    /// The server accepted the DN and password.
    case success
    /// The server refused them (result code 49): wrong password, or no such entry.
    case invalidCredentials
    /// No connection could be made (refused, no route, connect time-out).
    case unreachable(String)
    /// The server took connections but did not answer in time.
    case timedOut(String)
    /// TLS could not be set up: untrusted or mismatched certificate, unreadable CA file, not a TLS port.
    case tlsFailure(String)
    /// Any other LDAP result, with its code and libldap's text for it.
    case failure(code: Int32, message: String)
}

/// One LDAP simple bind (RFC 4511 4.2) with libldap, as the LDAP sign-in method needs it.
///
/// Every option is set on the bind's own handle, never on libldap's global defaults, so binds to
/// servers with different CAs or time limits run side by side. `perform` blocks its thread until
/// the bind ends; `run` moves it to a thread pool, off the event loops and the cooperative pool.
public struct LDAPBind: Sendable {
    /// `ldap://host:port` or `ldaps://host:port`.
    public var url: String
    /// Upgrade an `ldap://` connection with StartTLS (RFC 4511 4.14) before binding.
    public var startTLS: Bool
    /// PEM file of trusted CAs; nil: the CAs libldap is configured with (`TLS_CACERT` of /etc/ldap/ldap.conf).
    public var caFile: String?
    /// Check the server's certificate chain and name.
    public var verifyCertificate: Bool
    /// Time allowed for the TCP connection.
    public var networkTimeout: Duration
    /// Time allowed for each answer (StartTLS, bind); also bounds the ldaps handshake through the watchdog.
    public var operationTimeout: Duration

    public init(
        url: String,
        startTLS: Bool = false,
        caFile: String? = nil,
        verifyCertificate: Bool = true,
        networkTimeout: Duration = .seconds(3),
        operationTimeout: Duration = .seconds(5)
    ) {
        self.url = url
        self.startTLS = startTLS
        self.caFile = caFile
        self.verifyCertificate = verifyCertificate
        self.networkTimeout = networkTimeout
        self.operationTimeout = operationTimeout
    }

    /// True for `ldaps://` URLs, whose connection starts with a TLS handshake.
    public var isLDAPS: Bool { url.lowercased().hasPrefix("ldaps://") }

    /// Binds on a thread of `pool`, so the blocking libldap calls never hold an event loop or a task thread.
    public func run(dn: String, password: String, on pool: NIOThreadPool = .singleton) async -> LDAPBindOutcome {
        do {
            return try await pool.runIfActive { self.perform(dn: dn, password: password) }
        } catch {
            return .failure(code: LDAP_OTHER, message: "the bind did not run: \(error)")
        }
    }

    /// Connects, sets up TLS when asked, binds as `dn` with `password` and unbinds. Blocks the calling thread.
    public func perform(dn: String, password: String) -> LDAPBindOutcome {
        // RFC 4513 5.1.2: a DN with an empty password is an "unauthenticated bind", which many servers
        // answer with success without checking anything. It never proves who someone is.
        guard !password.isEmpty else { return .invalidCredentials }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            return .tlsFailure("the CA file \(caFile) cannot be read")
        }
        var handle: OpaquePointer?
        let initialized = ldap_initialize(&handle, url)
        guard initialized == LDAP_SUCCESS, let ld = handle else {
            return .failure(code: initialized, message: "\(url) is not a usable LDAP URL: \(Self.text(initialized))")
        }
        let watch = ConnectionWatch()
        let callbacks = UnsafeMutablePointer<ldap_conncb>.allocate(capacity: 1)
        callbacks.initialize(
            to: ldap_conncb(
                lc_add: { _, sockbuf, _, _, callbacks in
                    // Called right after connect(), before an ldaps handshake: remember the socket for the watchdog.
                    guard let sockbuf, let context = callbacks?.pointee.lc_arg else { return 0 }
                    var fd: ber_socket_t = -1
                    guard ber_sockbuf_ctrl(sockbuf, LBER_SB_OPT_GET_FD, &fd) == 1, fd >= 0 else { return 0 }
                    Unmanaged<ConnectionWatch>.fromOpaque(context).takeUnretainedValue().connected(fd)
                    return 0
                },
                lc_del: { _, _, _ in },
                lc_arg: Unmanaged.passUnretained(watch).toOpaque()
            )
        )
        defer {
            watch.disarm()
            // Always: frees the handle and closes its connection, whatever happened before.
            ldap_unbind_ext_s(ld, nil, nil)
            withExtendedLifetime(watch) {}
            callbacks.deinitialize(count: 1)
            callbacks.deallocate()
        }
        if let problem = configure(ld, callbacks: callbacks) { return problem }

        // libldap 2.5 bounds neither the ldaps handshake nor reads during it with its time-outs: a server
        // that accepts and stays silent would hold this thread forever. At the deadline the watchdog
        // shuts the socket down, which makes libldap give up (verified in auth-lab's ldaptest.c).
        let deadline = networkTimeout + operationTimeout * (startTLS && !isLDAPS ? 2 : 1)
        watch.arm(after: deadline)

        if startTLS && !isLDAPS {
            let started = ldap_start_tls_s(ld, nil, nil)
            if started != LDAP_SUCCESS { return outcome(of: started, ld, watch: watch, during: "StartTLS") }
        }
        var bytes = Array(password.utf8)
        let bound = bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                var credential = berval(bv_len: ber_len_t(chars.count), bv_val: chars.baseAddress)
                // LDAP_SASL_SIMPLE is a null mechanism: a simple bind.
                return ldap_sasl_bind_s(ld, dn, nil, &credential, nil, nil, nil)
            }
        }
        return outcome(of: bound, ld, watch: watch, during: "bind")
    }

    /// Sets the handle's protocol version, time-outs, connection callback and TLS context; a TLS problem is returned.
    private func configure(_ ld: OpaquePointer, callbacks: UnsafeMutablePointer<ldap_conncb>) -> LDAPBindOutcome? {
        var version = LDAP_VERSION3
        ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version)
        // LDAP_OPT_OFF is a null pointer: never chase referrals to other servers with the user's password.
        ldap_set_option(ld, LDAP_OPT_REFERRALS, nil)
        var network = Self.timeLimit(networkTimeout)
        ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &network)
        var operation = Self.timeLimit(operationTimeout)
        ldap_set_option(ld, LDAP_OPT_TIMEOUT, &operation)
        ldap_set_option(ld, LDAP_OPT_CONNECT_CB, callbacks)
        guard isLDAPS || startTLS else { return nil }

        // A handle starts with no TLS file settings of its own (it would use the global context), so the
        // CA and the check level are set here and LDAP_OPT_X_TLS_NEWCTX, last, builds this handle's context.
        var requireCertificate = verifyCertificate ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER
        ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &requireCertificate)
        if let caFile {
            ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, caFile)
        } else {
            // The system trust libldap is configured with (Debian: TLS_CACERT /etc/ssl/certs/ca-certificates.crt).
            for option in [LDAP_OPT_X_TLS_CACERTFILE, LDAP_OPT_X_TLS_CACERTDIR] {
                var configured: UnsafeMutablePointer<CChar>?
                if ldap_get_option(nil, option, &configured) == LDAP_OPT_SUCCESS, let configured {
                    ldap_set_option(ld, option, configured)
                    ldap_memfree(configured)
                }
            }
        }
        var isServer: Int32 = 0
        let context = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &isServer)
        guard context == LDAP_OPT_SUCCESS else {
            return .tlsFailure("cannot set up TLS for \(url): \(Self.text(context)) \(Self.diagnostic(ld))")
        }
        return nil
    }

    /// Turns a libldap result code into an outcome with a message an administrator can act on.
    private func outcome(of code: Int32, _ ld: OpaquePointer, watch: ConnectionWatch, during step: String) -> LDAPBindOutcome {
        let diagnostic = Self.diagnostic(ld)
        let detail = diagnostic.isEmpty ? Self.text(code) : "\(Self.text(code)): \(diagnostic)"
        switch code {
        case LDAP_SUCCESS:
            return .success
        case LDAP_INVALID_CREDENTIALS:
            return .invalidCredentials
        case _ where watch.expired:
            return .timedOut("\(url) did not answer within \(Self.seconds(watch.deadline)) (\(step))")
        case LDAP_TIMEOUT:
            return .timedOut("\(url) did not answer the \(step) within \(Self.seconds(operationTimeout))")
        case LDAP_CONNECT_ERROR where step == "StartTLS":
            return .tlsFailure("StartTLS with \(url) failed (untrusted certificate or name mismatch): \(detail)")
        case LDAP_SERVER_DOWN where isLDAPS && watch.wasConnected:
            return .tlsFailure("TLS handshake with \(url) failed (untrusted certificate, name mismatch or not an ldaps port)")
        case LDAP_SERVER_DOWN, LDAP_CONNECT_ERROR:
            return .unreachable("cannot connect to \(url) (refused, or no connection within \(Self.seconds(networkTimeout)))")
        default:
            return .failure(code: code, message: "\(step) on \(url): \(detail)")
        }
    }

    /// libldap's text for a result code.
    static func text(_ code: Int32) -> String { String(cString: ldap_err2string(code)) }

    /// The server's or libldap's diagnostic message for the handle's last operation, if any.
    private static func diagnostic(_ ld: OpaquePointer) -> String {
        var message: UnsafeMutablePointer<CChar>?
        guard ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &message) == LDAP_OPT_SUCCESS, let message else { return "" }
        defer { ldap_memfree(message) }
        let text = String(cString: message)
        return text == "(unknown error code)" ? "" : text
    }

    /// A duration as the `struct timeval` libldap's time-out options take.
    private static func timeLimit(_ duration: Duration) -> timeval {
        let (seconds, attoseconds) = duration.components
        return timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }

    /// A duration for messages: "3 s", "1.5 s".
    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%g s", Double(seconds) + Double(attoseconds) / 1e18)
    }
}

/// The socket of one bind and its deadline: the watchdog that stops an ldaps handshake to a silent server.
///
/// libldap reports the socket from its connect callback (on the bind's thread); the deadline fires on a
/// Dispatch queue. The socket is `dup`ed so that a descriptor libldap has closed and the process has
/// reused is never touched: `shutdown` on the duplicate stops the same connection and nothing else.
private final class ConnectionWatch: Sendable {
    private struct State {
        var sockets: [Int32] = []
        var wasConnected = false
        var expired = false
        var disarmed = false
        var deadline: Duration = .zero
    }
    private let state = Mutex(State())

    var wasConnected: Bool { state.withLock { $0.wasConnected } }
    var expired: Bool { state.withLock { $0.expired } }
    var deadline: Duration { state.withLock { $0.deadline } }

    /// Records a new connection's socket.
    func connected(_ fd: Int32) {
        let copy = dup(fd)
        state.withLock { state in
            state.wasConnected = true
            guard copy >= 0 else { return }
            if state.disarmed || state.expired {
                if state.expired { shutdown(copy, Int32(SHUT_RDWR)) }
                close(copy)
            } else {
                state.sockets.append(copy)
            }
        }
    }

    /// Starts the deadline. The timer is not cancelled when the bind ends early: it then finds the watch
    /// disarmed and does nothing (it only keeps this small object alive until then).
    func arm(after deadline: Duration) {
        state.withLock { $0.deadline = deadline }
        let (seconds, attoseconds) = deadline.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in expire() }
    }

    /// The deadline passed: shut the connection down so the blocked libldap call returns.
    private func expire() {
        state.withLock { state in
            guard !state.disarmed else { return }
            state.expired = true
            for fd in state.sockets { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// The bind is over: the deadline no longer matters; close the duplicates.
    func disarm() {
        state.withLock { state in
            state.disarmed = true
            for fd in state.sockets { close(fd) }
            state.sockets = []
        }
    }
}

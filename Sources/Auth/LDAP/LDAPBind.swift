import CLDAP
import Foundation
import LDAP
import NIOPosix

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

/// One LDAP simple bind (RFC 4511 4.2), as the LDAP sign-in method needs it, over an `LDAPConnection`.
///
/// Every option is set on the bind's own connection, never on libldap's global defaults, so binds to
/// servers with different CAs or time limits run side by side. `perform` blocks its thread until
/// the bind ends; `run` moves it to a thread pool, off the event loops and the cooperative pool.
@dynamicMemberLookup
public struct LDAPBind: Sendable {
    /// Where the server is, its TLS and time limits (the operation time-out also bounds the ldaps handshake through
    /// the watchdog); read through as `bind.url`, `bind.operationTimeout`, ….
    public var options: LDAPConnectionOptions

    public init(
        url: String,
        startTLS: Bool = false,
        caFile: String? = nil,
        verifyCertificate: Bool = true,
        networkTimeout: Duration = .seconds(3),
        operationTimeout: Duration = .seconds(5)
    ) {
        options = LDAPConnectionOptions(
            url: url,
            startTLS: startTLS,
            caFile: caFile,
            verifyCertificate: verifyCertificate,
            networkTimeout: networkTimeout,
            operationTimeout: operationTimeout
        )
    }

    public subscript<Value>(dynamicMember keyPath: KeyPath<LDAPConnectionOptions, Value>) -> Value {
        options[keyPath: keyPath]
    }

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
        if let caFile = options.caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            return .tlsFailure("the CA file \(caFile) cannot be read")
        }
        let connection: LDAPConnection
        do {
            connection = try LDAPConnection(options)
        } catch {
            return error.kind == .url ? .failure(code: error.code, message: error.message) : .tlsFailure(error.message)
        }
        // Always: frees the handle and closes its connection, whatever happened before.
        defer { connection.close() }
        let result = connection.bind(dn: dn, password: password)
        return outcome(of: result, connection)
    }

    /// Turns a libldap result code into an outcome with a message an administrator can act on.
    private func outcome(of result: LDAPConnection.BindResult, _ connection: LDAPConnection) -> LDAPBindOutcome {
        let step = result.step.rawValue
        let diagnostic = connection.diagnostic
        let detail = diagnostic.isEmpty ? LDAPConnection.text(result.code) : "\(LDAPConnection.text(result.code)): \(diagnostic)"
        switch result.code {
        case LDAP_SUCCESS:
            return .success
        case LDAP_INVALID_CREDENTIALS:
            return .invalidCredentials
        case _ where connection.timedOutByWatchdog:
            return .timedOut("\(options.url) did not answer within \(Self.seconds(options.bindDeadline)) (\(step))")
        case LDAP_TIMEOUT:
            return .timedOut("\(options.url) did not answer the \(step) within \(Self.seconds(options.operationTimeout))")
        case LDAP_CONNECT_ERROR where result.step == .startTLS:
            return .tlsFailure("StartTLS with \(options.url) failed (untrusted certificate or name mismatch): \(detail)")
        case LDAP_SERVER_DOWN where options.isLDAPS && connection.hasConnected:
            return .tlsFailure("TLS handshake with \(options.url) failed (untrusted certificate, name mismatch or not an ldaps port)")
        case LDAP_SERVER_DOWN, LDAP_CONNECT_ERROR:
            return .unreachable("cannot connect to \(options.url) (refused, or no connection within \(Self.seconds(options.networkTimeout)))")
        default:
            return .failure(code: result.code, message: "\(step) on \(options.url): \(detail)")
        }
    }

    /// A duration for messages: "3 s", "1.5 s".
    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%g s", Double(seconds) + Double(attoseconds) / 1e18)
    }
}

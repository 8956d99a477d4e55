import CGSSAPI
import Domain
import Foundation
import NIOPosix
import Synchronization

/// The server side of Windows single sign-on (HTTP Negotiate, RFC 4559): accepts SPNEGO tokens with MIT GSSAPI
/// (Kerberos from a keytab; NTLM through gss-ntlmssp when a user file is configured) and tells who the client is.
///
/// A multi-leg exchange (NTLM takes two) keeps its GSSAPI context per TCP connection, as RFC 4559 expects, for at
/// most `contextLifetime`; at most `maxContexts` are kept. GSSAPI calls run on the shared pool for blocking calls, never
/// on an event loop or the cooperative pool.
public final class NegotiateAcceptor: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// The keytab holding the service key (e.g. `HTTP/host@REALM`).
        public var keytab: String
        /// The host-based service name, e.g. `HTTP@tws.example.org`.
        public var serviceName: String
        /// gss-ntlmssp's user file (`DOMAIN:user:password` lines) for NTLM; nil for Kerberos only.
        public var ntlmUserFile: String?
        /// Kerberos realms and NTLM domains whose principals may sign in, compared without case.
        public var realms: Set<String>

        public init(keytab: String, serviceName: String, ntlmUserFile: String? = nil, realms: Set<String>) {
            self.keytab = keytab
            self.serviceName = serviceName
            self.ntlmUserFile = ntlmUserFile
            self.realms = Set(realms.map { $0.uppercased() })
        }
    }

    /// Who a completed exchange authenticated.
    public struct Principal: Sendable, Equatable {
        /// As GSSAPI shows it: `alice@TWS.TEST` or `TWS\alice`.
        public var name: String
        public var user: String
        public var realm: String
        /// `kerberos` or `ntlm`.
        public var mechanism: String
    }

    public enum Step: Sendable, Equatable {
        /// Send `WWW-Authenticate: Negotiate <output>` with 401 and wait for the client's next token.
        case continueNeeded(output: [UInt8])
        /// Done; `output` (possibly empty) goes back with the answer.
        case authenticated(Principal, output: [UInt8])
    }

    private struct PendingContext: Sendable {
        var context: GSSHandle
        var started: Date
    }

    public let configuration: Configuration
    private let acceptor: OpaquePointer
    private let contexts = Mutex<[String: PendingContext]>([:])
    /// Runs the GSSAPI calls, which may block (keytab, replay cache, KDC-less checks on files).
    private let pool: NIOThreadPool
    private let contextLifetime: TimeInterval = 60
    private let maxContexts = 10_000

    /// Acquires the acceptor credential; throws a message naming what is wrong (keytab, service name). `pool` runs the
    /// GSSAPI calls of each exchange.
    public init(configuration: Configuration, pool: NIOThreadPool = .singleton) throws {
        var error = [CChar](repeating: 0, count: 1024)
        guard
            let acceptor = tws_gss_acceptor_create(
                configuration.keytab,
                configuration.serviceName,
                configuration.ntlmUserFile,
                0,
                &error,
                error.count
            )
        else {
            throw NegotiateError(message: "cannot use keytab \(configuration.keytab) for \(configuration.serviceName): \(text(error))")
        }
        self.acceptor = acceptor
        self.configuration = configuration
        self.pool = pool
    }

    deinit {
        for pending in contexts.withLock({ Array($0.values) }) { tws_gss_context_free(pending.context.pointer) }
        tws_gss_acceptor_free(acceptor)
    }

    /// One leg of the exchange on `connection`. Throws `invalid_credentials` for a refused token (the reason is
    /// returned in `NegotiateRefusal.reason` for the audit log, never to the client) or `invalid_field` for bad base64.
    public func accept(base64Token: String, connection: String) async throws -> Step {
        guard let token = Data(base64Encoded: base64Token), !token.isEmpty, token.count <= 64 * 1024 else {
            throw DomainError.invalid(field: "Authorization", "The Negotiate token is not base64")
        }
        let pending = take(connection)
        let acceptor = GSSHandle(pointer: self.acceptor)
        let outcome: LegOutcome
        do {
            outcome = try await pool.runIfActive { Self.leg(acceptor.pointer!, context: pending.pointer, token: Array(token)) }
        } catch {
            tws_gss_context_free(pending.pointer)
            throw NegotiateRefusal(reason: "GSSAPI did not run: \(error)")
        }
        switch outcome {
        case .continueNeeded(let context, let output):
            keep(GSSHandle(pointer: context), for: connection)
            return .continueNeeded(output: output)
        case .failed(let reason):
            throw NegotiateRefusal(reason: reason)
        case .completed(let name, let mechanism, let output):
            guard let principal = Self.principal(name, mechanism: mechanism) else {
                throw NegotiateRefusal(reason: "principal \(name) names no user")
            }
            guard configuration.realms.contains(principal.realm.uppercased()) else {
                throw NegotiateRefusal(reason: "realm \(principal.realm.isEmpty ? "(none)" : principal.realm) of \(name) is not allowed")
            }
            return .authenticated(principal, output: output)
        }
    }

    /// `alice@TWS.TEST` → alice in TWS.TEST; `TWS\alice` → alice in TWS; a bare `alice` (NTLM without a domain) has
    /// no realm, so it matches none.
    static func principal(_ name: String, mechanism: String) -> Principal? {
        if let backslash = name.firstIndex(of: "\\") {
            let user = String(name[name.index(after: backslash)...])
            return user.isEmpty ? nil : Principal(name: name, user: user, realm: String(name[..<backslash]), mechanism: mechanism)
        }
        if let at = name.lastIndex(of: "@") {
            let user = String(name[..<at])
            return user.isEmpty ? nil : Principal(name: name, user: user, realm: String(name[name.index(after: at)...]), mechanism: mechanism)
        }
        return name.isEmpty ? nil : Principal(name: name, user: name, realm: "", mechanism: mechanism)
    }

    /// A GSSAPI handle handed to the queue; only one thread uses it at a time.
    private struct GSSHandle: @unchecked Sendable {
        let pointer: OpaquePointer?
    }

    private enum LegOutcome: @unchecked Sendable {
        case continueNeeded(OpaquePointer, [UInt8])
        case completed(String, String, [UInt8])
        case failed(String)
    }

    private static func leg(_ acceptor: OpaquePointer, context: OpaquePointer?, token: [UInt8]) -> LegOutcome {
        var context = context
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        var principal = [CChar](repeating: 0, count: 1024)
        var mech: Int32 = 0
        var error = [CChar](repeating: 0, count: 1024)
        let result = tws_gss_accept(
            acceptor,
            &context,
            token,
            token.count,
            &output,
            &outputSize,
            &principal,
            principal.count,
            &mech,
            &error,
            error.count
        )
        let bytes = output.map { Array(UnsafeBufferPointer(start: $0, count: outputSize)) } ?? []
        tws_gss_free(output)
        switch result {
        case Int32(TWS_GSS_CONTINUE.rawValue):
            guard let context else { return .failed("no context to continue") }
            return .continueNeeded(context, bytes)
        case Int32(TWS_GSS_COMPLETE.rawValue):
            let mechanism = mech == Int32(TWS_GSS_MECH_KERBEROS.rawValue) ? "kerberos" : mech == Int32(TWS_GSS_MECH_NTLM.rawValue) ? "ntlm" : "other"
            return .completed(text(principal), mechanism, bytes)
        default:
            return .failed(text(error))
        }
    }

    private func take(_ connection: String) -> GSSHandle {
        contexts.withLock { $0.removeValue(forKey: connection)?.context } ?? GSSHandle(pointer: nil)
    }

    private func keep(_ context: GSSHandle, for connection: String) {
        let now = Date()
        let dropped = contexts.withLock { contexts -> [GSSHandle] in
            var dropped: [GSSHandle] = []
            if contexts.count >= maxContexts || contexts.values.contains(where: { now.timeIntervalSince($0.started) > contextLifetime }) {
                for (key, pending) in contexts where now.timeIntervalSince(pending.started) > contextLifetime || contexts.count >= maxContexts {
                    dropped.append(pending.context)
                    contexts[key] = nil
                }
            }
            if let old = contexts.updateValue(PendingContext(context: context, started: now), forKey: connection) { dropped.append(old.context) }
            return dropped
        }
        for context in dropped { tws_gss_context_free(context.pointer) }
    }
}

/// The acceptor could not be set up (configuration error at start).
public struct NegotiateError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// A token GSSAPI refused, or a principal that may not sign in. Clients get 401 `invalid_credentials`; the reason goes
/// to the audit log.
public struct NegotiateRefusal: Error, Sendable {
    public let reason: String

    public init(reason: String) { self.reason = reason }
}

/// A NUL-terminated C buffer as text.
private func text(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

import Domain
import Foundation
import Logging
import NIOPosix

/// LDAP method (admin guide 6.3): the password is right when the directory accepts a bind as the DN built
/// from `AuthLdapDn`. The user must also exist, enabled, in the server's own user table; the login only
/// reaches this method for such a user.
///
/// A directory that cannot be asked (down, silent, TLS refused, misconfigured) is logged with its reason
/// and the attempt fails like a wrong password, so the answer never tells a caller which users exist.
public struct LDAPAuthenticator: Authenticator {
    public let method = AuthMethod.ldap
    let logger: Logger
    let pool: NIOThreadPool

    /// `pool` runs the blocking libldap calls.
    public init(logger: Logger, pool: NIOThreadPool = .singleton) {
        self.logger = logger
        self.pool = pool
    }

    public func authenticate(_ attempt: LoginAttempt, user: User, parameters: [String: String]) async throws -> Bool {
        // Before anything touches the network: a DN with an empty password is an unauthenticated bind
        // (RFC 4513 5.1.2) that many servers answer with success.
        guard let password = attempt.password, !password.isEmpty else { return false }
        var metadata: Logger.Metadata = ["user": "\(user.username)", "userId": "\(user.id ?? 0)"]
        let bind: LDAPBind
        do {
            bind = try Self.bind(parameters)
        } catch {
            logger.warning("LDAP sign-in is not configured: \(error.reason)", metadata: metadata)
            return false
        }
        let dn = LDAPDistinguishedName.bindName(template: parameters["AuthLdapDn"] ?? "?", username: user.username)
        metadata["server"] = "\(bind.url)"
        metadata["dn"] = "\(dn)"
        switch await bind.run(dn: dn, password: password, on: pool) {
        case .success:
            logger.debug("LDAP bind accepted", metadata: metadata)
            return true
        case .invalidCredentials:
            logger.debug("LDAP bind refused: invalid credentials", metadata: metadata)
            return false
        case .unreachable(let reason), .timedOut(let reason), .tlsFailure(let reason):
            logger.error("LDAP server unavailable, sign-in refused: \(reason)", metadata: metadata)
            return false
        case .failure(let code, let message):
            logger.warning("LDAP bind failed with result \(code): \(message)", metadata: metadata)
            return false
        }
    }

    /// A parameter value the LDAP method cannot use.
    public struct ConfigurationError: Error, Equatable {
        public var reason: String
    }

    /// The bind described by the user's resolved TWS Server parameters.
    public static func bind(_ parameters: [String: String]) throws(ConfigurationError) -> LDAPBind {
        let (url, ldaps) = try url(server: parameters["AuthLdapServer"] ?? "", port: parameters["AuthLdapPort"] ?? "389")
        let caFile = (parameters["AuthLdapCaFile"] ?? "").trimmingCharacters(in: .whitespaces)
        return LDAPBind(
            url: url,
            startTLS: !ldaps && parameters["AuthLdapStartTls"] == "true",
            caFile: caFile.isEmpty ? nil : caFile,
            verifyCertificate: parameters["AuthLdapTlsVerify"] != "false",
            networkTimeout: .seconds(Int(parameters["AuthLdapConnectTimeoutSeconds"] ?? "") ?? 3),
            operationTimeout: .seconds(Int(parameters["AuthLdapTimeoutSeconds"] ?? "") ?? 5)
        )
    }

    /// The URL for `AuthLdapServer` (a host name, an IP address, or an `ldap://` or `ldaps://` URL) and
    /// `AuthLdapPort`. A port in the URL wins; `ldaps://` without one takes 636 unless `AuthLdapPort` names
    /// another port than the default 389; a bare host on port 636 is ldaps.
    public static func url(server: String, port: String) throws(ConfigurationError) -> (url: String, ldaps: Bool) {
        let server = server.trimmingCharacters(in: .whitespaces)
        guard !server.isEmpty else { throw ConfigurationError(reason: "AuthLdapServer is empty") }
        guard let configuredPort = Int(port.trimmingCharacters(in: .whitespaces)), (1...65535).contains(configuredPort) else {
            throw ConfigurationError(reason: "AuthLdapPort '\(port)' is not a port number")
        }
        var ldaps = false
        var hostPort = server
        if let range = server.range(of: "://") {
            let scheme = server[..<range.lowerBound].lowercased()
            guard scheme == "ldap" || scheme == "ldaps" else {
                throw ConfigurationError(reason: "AuthLdapServer '\(server)' must be a host, an ldap:// or an ldaps:// URL")
            }
            ldaps = scheme == "ldaps"
            // Anything after the host and port (a base DN, search options) means nothing for a bind.
            hostPort = String(server[range.upperBound...].prefix { $0 != "/" && $0 != "?" })
        }
        let forbidden = Set<Character>(" \t/?#@%\\\"'<>")
        guard !hostPort.isEmpty, !hostPort.contains(where: { forbidden.contains($0) }) else {
            throw ConfigurationError(reason: "AuthLdapServer '\(server)' is not a host name, an IP address or an LDAP URL")
        }
        let (host, explicitPort) = try split(hostPort, server: server)
        let chosenPort: Int
        if let explicitPort {
            chosenPort = explicitPort
        } else if ldaps {
            chosenPort = configuredPort == 389 ? 636 : configuredPort
        } else {
            chosenPort = configuredPort
            ldaps = server.range(of: "://") == nil && configuredPort == 636
        }
        return ("\(ldaps ? "ldaps" : "ldap")://\(host):\(chosenPort)", ldaps)
    }

    /// `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address, as a URL host and an optional port.
    private static func split(_ hostPort: String, server: String) throws(ConfigurationError) -> (host: String, port: Int?) {
        let bad = ConfigurationError(reason: "AuthLdapServer '\(server)' has a bad host or port")
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw bad }
            let host = String(hostPort[...close])
            let rest = hostPort[hostPort.index(after: close)...]
            if rest.isEmpty { return (host, nil) }
            guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()), (1...65535).contains(port) else { throw bad }
            return (host, port)
        }
        let colons = hostPort.filter { $0 == ":" }.count
        if colons > 1 { return ("[\(hostPort)]", nil) }  // a bare IPv6 address
        if colons == 1 {
            let parts = hostPort.split(separator: ":", omittingEmptySubsequences: false)
            guard !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else { throw bad }
            return (String(parts[0]), port)
        }
        return (hostPort, nil)
    }
}

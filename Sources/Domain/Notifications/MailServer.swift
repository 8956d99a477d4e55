import Foundation

/// How the server reaches an SMTP server for one user (admin guide 9.1.5: `smtp`, `SmtServerPort`, `SmtAuthUserName`,
/// `SmtAuthPassword`, resolved user > group > domain > default like every parameter), and the sender of its mails.
/// The password never appears in `description` (what logs print).
public struct MailServer: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// How the connection is protected (`SmtpSecurity`).
    public enum Security: String, Sendable, CaseIterable {
        /// STARTTLS when the server offers it, plain otherwise (the default).
        case starttls
        /// STARTTLS or nothing is sent.
        case starttlsRequired = "starttls-required"
        /// TLS from the first byte (`smtps://`, usually port 465).
        case tls
        /// Never TLS (a relay on loopback).
        case none
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// PEM file of the CAs that sign the server's certificate; nil: the system's.
    public var caFile: String?
    public var verifyCertificate: Bool

    public init(
        host: String,
        port: Int = 25,
        security: Security = .starttls,
        username: String? = nil,
        password: String? = nil,
        caFile: String? = nil,
        verifyCertificate: Bool = true
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.caFile = caFile
        self.verifyCertificate = verifyCertificate
    }

    /// `host:port (security, user)`, never the password.
    public var description: String {
        "\(host):\(port) (\(security.rawValue)\(username.map { ", user \($0)" } ?? ""))"
    }

    /// The SMTP parameters of the catalogue (application TWS Server), by name.
    public enum Parameter {
        public static let host = "smtp"
        public static let port = "SmtServerPort"
        public static let username = "SmtAuthUserName"
        public static let password = "SmtAuthPassword"
        public static let security = "SmtpSecurity"
        public static let sender = "SmtpSender"
        public static let caFile = "SmtpCaFile"
        public static let verify = "SmtpTlsVerify"
        /// Caller: whether the user may turn missed-call e-mails on (admin guide 9.1.8).
        public static let authorized = "AuthorizedEmailNotification"
    }

    /// What the SMTP parameters resolve to for `user`: the server (nil when `smtp` is empty) and the sender address
    /// (`SmtpSender`, or `tws@<smtp host>` when it is not set), and whether the user may have e-mail notifications.
    public static func resolve(for user: User, in tx: any StoreTransaction) throws -> (server: MailServer?, sender: MailAddress?, authorized: Bool) {
        let definitions = ParameterCatalogue.all.filter {
            ($0.application == .twsServer && $0.name.lowercased().hasPrefix("smt")) || ($0.application == .caller && $0.name == Parameter.authorized)
        }
        let resolved = try ParameterResolver().resolve(definitions, for: user, in: tx)
        func value(_ name: String) -> String { resolved.first { $0.name == name }?.value.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
        let authorized = value(Parameter.authorized) == "true"
        let host = value(Parameter.host)
        guard !host.isEmpty else { return (nil, nil, authorized) }
        let username = value(Parameter.username)
        // The password is kept as typed (spaces may belong to it).
        let password = resolved.first { $0.name == Parameter.password }?.value ?? ""
        let caFile = value(Parameter.caFile)
        let server = MailServer(
            host: host,
            port: Int(value(Parameter.port)) ?? 25,
            security: Security(rawValue: value(Parameter.security).lowercased()) ?? .starttls,
            username: username.isEmpty ? nil : username,
            password: username.isEmpty || password.isEmpty ? nil : password,
            caFile: caFile.isEmpty ? nil : caFile,
            verifyCertificate: value(Parameter.verify) != "false"
        )
        let sender = MailAddress(value(Parameter.sender), name: "TWS") ?? MailAddress("tws@\(host)", name: "TWS")
        return (server, sender, authorized)
    }
}

/// Sends a message through a given SMTP server (the SMTP connector implements it, a test may stand in).
public protocol MailTransport: Sendable {
    func send(_ message: MailMessage, via server: MailServer) async throws(MailSendError)
}

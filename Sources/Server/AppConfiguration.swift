import Foundation
import Logging

/// The server's configuration: defaults, then a JSON file, then `TWS_*` environment variables,
/// then command-line flags, each overriding the one before.
struct AppConfiguration: Codable, Sendable {
    var host: String = "127.0.0.1"
    var port: Int = 8000
    /// Where `tws.sqlite` and the token key live.
    var dataDirectory: String = "./data"
    var logLevel: String = "info"
    /// Secret for session tokens (at least 32 bytes). When unset, a random key is created in the
    /// data directory (`token.key`, mode 0600) and reused across restarts.
    var tokenSecret: String?
    /// bcrypt work factor (4...31).
    var bcryptCost: Int = 12
    /// Login attempts a client address may make at once, and per second after that.
    var loginBurst: Double = 20
    var loginPerSecond: Double = 1
    /// Sign-in lockout: failures within the window that lock a user name, or a client address, for `loginLockMinutes`.
    var loginLockUserFailures: Int = 5
    var loginLockAddressFailures: Int = 20
    var loginLockMinutes: Double = 15
    /// Requests one API key may send at once, and per second after that (issue 19: a token bucket per key).
    var apiKeyBurst: Double = 20
    var apiKeyPerSecond: Double = 10
    /// Port of the push channel (WebSocket `/events`, long-poll `/events/poll`), on the same host.
    var pushPort: Int = 9000
    /// Bearer token a Prometheus scraper sends for `GET /metrics`; when unset, metrics are served to loopback only.
    var metricsToken: String?
    /// Windows single sign-on (`GET /api/v1/auth/negotiate`): the keytab of the HTTP service; off when unset.
    var negotiateKeytab: String?
    /// The host-based service name the keytab holds, e.g. `HTTP@tws.example.org` for `HTTP/tws.example.org@REALM`.
    var negotiateService: String = "HTTP@localhost"
    /// Kerberos realms and NTLM domains allowed to sign in, comma-separated.
    var negotiateRealms: String = ""
    /// gss-ntlmssp user file (`DOMAIN:user:password` lines) to accept NTLM as well; Kerberos only when unset.
    var negotiateNTLMUsers: String?
    /// Folder CSV directories (and SQLite files read through ODBC) must be in; default `<dataDirectory>/imports`.
    var csvImportFolder: String?
    /// Addresses of reverse proxies whose `Forwarded` / `X-Forwarded-Proto` / `X-Forwarded-Host` are believed (for the
    /// WSDL's service address behind a TLS-terminating proxy), comma-separated IP addresses; none by default.
    var trustedProxies: String = ""
    /// Whether each connection is handled on the event loop of its socket (`OnItsEventLoop`): less CPU and latency
    /// per request at low concurrency, more CPU per request when a saturating load shares the server's cores (issue 22).
    var connectionsOnEventLoops = true
    /// The name Alerter cards show for `[-ServerName-]`; the machine's host name when unset.
    var serverName: String?
    /// Webhooks (issue 19): whether destinations in loopback, link-local and private ranges are allowed (tests, lab
    /// setups); how long a failing delivery is retried; the first retry delay (doubling) and its cap; the per-attempt
    /// timeout. All in seconds.
    var webhooksAllowPrivate = false
    var webhooksRetryWindowSeconds: Double = 86_400
    var webhooksBackoffSeconds: Double = 1
    var webhooksBackoffCapSeconds: Double = 3_600
    var webhooksTimeoutSeconds: Double = 10
    /// Delivered and dead deliveries are deleted this many days after they were created.
    var webhooksRetentionDays: Double = 14
    /// The public callback endpoint (issue 20): requests one client address may send per minute (also its burst), and
    /// requests for one visitor number per hour (also its burst); finished requests are kept this many days.
    var callbacksPerAddressPerMinute: Double = 10
    var callbacksPerNumberPerHour: Double = 3
    var callbacksRetentionDays: Int = 30
    /// The address clients reach this server at (`https://tws.example.org`), for links the server writes where no
    /// request tells it (the call-back links of missed-call e-mails); default `http://<host>:<port>` (`localhost` for
    /// a wildcard host).
    var publicUrl: String?
    /// E-mails (issue 20): how long a call-back link works; the first retry delay of a mail (doubling) and its cap,
    /// how long a failing mail is retried, the bound on one SMTP exchange (seconds); days sent and dead mails are kept.
    var callBackLinkValiditySeconds: Double = 7 * 86_400
    var mailBackoffSeconds: Double = 5
    var mailBackoffCapSeconds: Double = 1_800
    var mailRetryWindowSeconds: Double = 2 * 86_400
    var mailTimeoutSeconds: Double = 30
    var mailRetentionDays: Double = 14
    /// Calendar presence (issue 21): the bound on one CalDAV read (seconds), and calendars read at once per domain.
    var calendarTimeoutSeconds: Double = 10
    var calendarConcurrency: Int = 8

    /// `publicUrl`, or the listener's address.
    var publicBaseURL: String {
        if let publicUrl, !publicUrl.isEmpty { return publicUrl.hasSuffix("/") ? String(publicUrl.dropLast()) : publicUrl }
        let host = ["0.0.0.0", "::", ""].contains(self.host) ? "localhost" : (self.host.contains(":") ? "[\(self.host)]" : self.host)
        return "http://\(host):\(port)"
    }

    /// `trustedProxies` as a set of addresses.
    var trustedProxyAddresses: Set<String> {
        Set(trustedProxies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    /// `[-ServerName-]` of Alerter cards.
    var alerterServerName: String { serverName ?? ProcessInfo.processInfo.hostName }

    /// The CSV import folder in use.
    var importFolder: URL {
        URL(fileURLWithPath: csvImportFolder ?? URL(fileURLWithPath: dataDirectory).appendingPathComponent("imports").path)
    }

    /// Reads `file` (if given) and the environment.
    static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfiguration {
        var configuration = AppConfiguration()
        if let file {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            configuration = try JSONDecoder().decode(AppConfiguration.self, from: data)
        }
        if let value = environment["TWS_HOST"] { configuration.host = value }
        if let value = environment["TWS_PORT"].flatMap(Int.init) { configuration.port = value }
        if let value = environment["TWS_DATA_DIR"] { configuration.dataDirectory = value }
        if let value = environment["TWS_LOG_LEVEL"] { configuration.logLevel = value }
        if let value = environment["TWS_TOKEN_SECRET"] { configuration.tokenSecret = value }
        if let value = environment["TWS_BCRYPT_COST"].flatMap(Int.init) { configuration.bcryptCost = value }
        if let value = environment["TWS_LOGIN_BURST"].flatMap(Double.init) { configuration.loginBurst = value }
        if let value = environment["TWS_LOGIN_PER_SECOND"].flatMap(Double.init) { configuration.loginPerSecond = value }
        if let value = environment["TWS_LOGIN_LOCK_USER_FAILURES"].flatMap(Int.init) { configuration.loginLockUserFailures = value }
        if let value = environment["TWS_LOGIN_LOCK_ADDRESS_FAILURES"].flatMap(Int.init) { configuration.loginLockAddressFailures = value }
        if let value = environment["TWS_LOGIN_LOCK_MINUTES"].flatMap(Double.init) { configuration.loginLockMinutes = value }
        if let value = environment["TWS_PUSH_PORT"].flatMap(Int.init) { configuration.pushPort = value }
        if let value = environment["TWS_METRICS_TOKEN"] { configuration.metricsToken = value }
        if let value = environment["TWS_NEGOTIATE_KEYTAB"] { configuration.negotiateKeytab = value }
        if let value = environment["TWS_NEGOTIATE_SERVICE"] { configuration.negotiateService = value }
        if let value = environment["TWS_NEGOTIATE_REALMS"] { configuration.negotiateRealms = value }
        if let value = environment["TWS_NEGOTIATE_NTLM_USERS"] { configuration.negotiateNTLMUsers = value }
        if let value = environment["TWS_CSV_IMPORT_FOLDER"] { configuration.csvImportFolder = value }
        if let value = environment["TWS_TRUSTED_PROXIES"] { configuration.trustedProxies = value }
        if let value = environment["TWS_API_KEY_RATE"].flatMap(Double.init) { configuration.apiKeyPerSecond = value }
        if let value = environment["TWS_API_KEY_BURST"].flatMap(Double.init) { configuration.apiKeyBurst = value }
        if let value = environment["TWS_SERVER_NAME"] { configuration.serverName = value }
        if let value = environment["TWS_CONNECTIONS_ON_EVENT_LOOPS"] { configuration.connectionsOnEventLoops = value == "true" || value == "1" }
        if let value = environment["TWS_WEBHOOKS_ALLOW_PRIVATE"] { configuration.webhooksAllowPrivate = value == "true" || value == "1" }
        if let value = environment["TWS_WEBHOOKS_RETRY_WINDOW_SECONDS"].flatMap(Double.init) { configuration.webhooksRetryWindowSeconds = value }
        if let value = environment["TWS_WEBHOOKS_BACKOFF_SECONDS"].flatMap(Double.init) { configuration.webhooksBackoffSeconds = value }
        if let value = environment["TWS_WEBHOOKS_BACKOFF_CAP_SECONDS"].flatMap(Double.init) { configuration.webhooksBackoffCapSeconds = value }
        if let value = environment["TWS_WEBHOOKS_TIMEOUT_SECONDS"].flatMap(Double.init) { configuration.webhooksTimeoutSeconds = value }
        if let value = environment["TWS_WEBHOOKS_RETENTION_DAYS"].flatMap(Double.init) { configuration.webhooksRetentionDays = value }
        if let value = environment["TWS_CALLBACKS_PER_ADDRESS_PER_MINUTE"].flatMap(Double.init) { configuration.callbacksPerAddressPerMinute = value }
        if let value = environment["TWS_CALLBACKS_PER_NUMBER_PER_HOUR"].flatMap(Double.init) { configuration.callbacksPerNumberPerHour = value }
        if let value = environment["TWS_CALLBACKS_RETENTION_DAYS"].flatMap(Int.init) { configuration.callbacksRetentionDays = value }
        if let value = environment["TWS_PUBLIC_URL"] { configuration.publicUrl = value }
        if let value = environment["TWS_CALL_BACK_LINK_VALIDITY_SECONDS"].flatMap(Double.init) { configuration.callBackLinkValiditySeconds = value }
        if let value = environment["TWS_MAIL_BACKOFF_SECONDS"].flatMap(Double.init) { configuration.mailBackoffSeconds = value }
        if let value = environment["TWS_MAIL_BACKOFF_CAP_SECONDS"].flatMap(Double.init) { configuration.mailBackoffCapSeconds = value }
        if let value = environment["TWS_MAIL_RETRY_WINDOW_SECONDS"].flatMap(Double.init) { configuration.mailRetryWindowSeconds = value }
        if let value = environment["TWS_MAIL_TIMEOUT_SECONDS"].flatMap(Double.init) { configuration.mailTimeoutSeconds = value }
        if let value = environment["TWS_MAIL_RETENTION_DAYS"].flatMap(Double.init) { configuration.mailRetentionDays = value }
        if let value = environment["TWS_CALENDAR_TIMEOUT_SECONDS"].flatMap(Double.init) { configuration.calendarTimeoutSeconds = value }
        if let value = environment["TWS_CALENDAR_CONCURRENCY"].flatMap(Int.init) { configuration.calendarConcurrency = value }
        return configuration
    }

    init() {}

    init(from decoder: any Decoder) throws {
        // Every key is optional in the file; unknown keys are refused so typos do not pass silently.
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let known = Set(CodingKeys.allCases.map(\.stringValue))
        let any = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = any.allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw DecodingError.dataCorruptedError(forKey: unknown, in: any, debugDescription: "Unknown configuration key \(unknown.stringValue)")
        }
        host = try container.decodeIfPresent(String.self, forKey: .host) ?? host
        port = try container.decodeIfPresent(Int.self, forKey: .port) ?? port
        dataDirectory = try container.decodeIfPresent(String.self, forKey: .dataDirectory) ?? dataDirectory
        logLevel = try container.decodeIfPresent(String.self, forKey: .logLevel) ?? logLevel
        tokenSecret = try container.decodeIfPresent(String.self, forKey: .tokenSecret)
        bcryptCost = try container.decodeIfPresent(Int.self, forKey: .bcryptCost) ?? bcryptCost
        loginBurst = try container.decodeIfPresent(Double.self, forKey: .loginBurst) ?? loginBurst
        loginPerSecond = try container.decodeIfPresent(Double.self, forKey: .loginPerSecond) ?? loginPerSecond
        loginLockUserFailures = try container.decodeIfPresent(Int.self, forKey: .loginLockUserFailures) ?? loginLockUserFailures
        loginLockAddressFailures = try container.decodeIfPresent(Int.self, forKey: .loginLockAddressFailures) ?? loginLockAddressFailures
        loginLockMinutes = try container.decodeIfPresent(Double.self, forKey: .loginLockMinutes) ?? loginLockMinutes
        pushPort = try container.decodeIfPresent(Int.self, forKey: .pushPort) ?? pushPort
        metricsToken = try container.decodeIfPresent(String.self, forKey: .metricsToken)
        negotiateKeytab = try container.decodeIfPresent(String.self, forKey: .negotiateKeytab)
        negotiateService = try container.decodeIfPresent(String.self, forKey: .negotiateService) ?? negotiateService
        negotiateRealms = try container.decodeIfPresent(String.self, forKey: .negotiateRealms) ?? negotiateRealms
        negotiateNTLMUsers = try container.decodeIfPresent(String.self, forKey: .negotiateNTLMUsers)
        csvImportFolder = try container.decodeIfPresent(String.self, forKey: .csvImportFolder)
        trustedProxies = try container.decodeIfPresent(String.self, forKey: .trustedProxies) ?? trustedProxies
        apiKeyBurst = try container.decodeIfPresent(Double.self, forKey: .apiKeyBurst) ?? apiKeyBurst
        apiKeyPerSecond = try container.decodeIfPresent(Double.self, forKey: .apiKeyPerSecond) ?? apiKeyPerSecond
        connectionsOnEventLoops = try container.decodeIfPresent(Bool.self, forKey: .connectionsOnEventLoops) ?? connectionsOnEventLoops
        webhooksAllowPrivate = try container.decodeIfPresent(Bool.self, forKey: .webhooksAllowPrivate) ?? webhooksAllowPrivate
        webhooksRetryWindowSeconds = try container.decodeIfPresent(Double.self, forKey: .webhooksRetryWindowSeconds) ?? webhooksRetryWindowSeconds
        webhooksBackoffSeconds = try container.decodeIfPresent(Double.self, forKey: .webhooksBackoffSeconds) ?? webhooksBackoffSeconds
        webhooksBackoffCapSeconds = try container.decodeIfPresent(Double.self, forKey: .webhooksBackoffCapSeconds) ?? webhooksBackoffCapSeconds
        webhooksTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .webhooksTimeoutSeconds) ?? webhooksTimeoutSeconds
        webhooksRetentionDays = try container.decodeIfPresent(Double.self, forKey: .webhooksRetentionDays) ?? webhooksRetentionDays
        callbacksPerAddressPerMinute = try container.decodeIfPresent(Double.self, forKey: .callbacksPerAddressPerMinute) ?? callbacksPerAddressPerMinute
        callbacksPerNumberPerHour = try container.decodeIfPresent(Double.self, forKey: .callbacksPerNumberPerHour) ?? callbacksPerNumberPerHour
        callbacksRetentionDays = try container.decodeIfPresent(Int.self, forKey: .callbacksRetentionDays) ?? callbacksRetentionDays
        publicUrl = try container.decodeIfPresent(String.self, forKey: .publicUrl)
        callBackLinkValiditySeconds = try container.decodeIfPresent(Double.self, forKey: .callBackLinkValiditySeconds) ?? callBackLinkValiditySeconds
        mailBackoffSeconds = try container.decodeIfPresent(Double.self, forKey: .mailBackoffSeconds) ?? mailBackoffSeconds
        mailBackoffCapSeconds = try container.decodeIfPresent(Double.self, forKey: .mailBackoffCapSeconds) ?? mailBackoffCapSeconds
        mailRetryWindowSeconds = try container.decodeIfPresent(Double.self, forKey: .mailRetryWindowSeconds) ?? mailRetryWindowSeconds
        mailTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .mailTimeoutSeconds) ?? mailTimeoutSeconds
        mailRetentionDays = try container.decodeIfPresent(Double.self, forKey: .mailRetentionDays) ?? mailRetentionDays
        calendarTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .calendarTimeoutSeconds) ?? calendarTimeoutSeconds
        calendarConcurrency = try container.decodeIfPresent(Int.self, forKey: .calendarConcurrency) ?? calendarConcurrency
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case host, port, dataDirectory, logLevel, tokenSecret, bcryptCost, loginBurst, loginPerSecond, loginLockUserFailures,
            loginLockAddressFailures, loginLockMinutes, pushPort, metricsToken, negotiateKeytab,
            negotiateService, negotiateRealms, negotiateNTLMUsers, csvImportFolder, trustedProxies,
            apiKeyBurst, apiKeyPerSecond, connectionsOnEventLoops
        // Issue 19 webhooks.
        case webhooksAllowPrivate, webhooksRetryWindowSeconds, webhooksBackoffSeconds, webhooksBackoffCapSeconds, webhooksTimeoutSeconds,
            webhooksRetentionDays
        // Issue 20 callbacks.
        case callbacksPerAddressPerMinute, callbacksPerNumberPerHour, callbacksRetentionDays
        // Issue 20 e-mails.
        case publicUrl, callBackLinkValiditySeconds, mailBackoffSeconds, mailBackoffCapSeconds, mailRetryWindowSeconds, mailTimeoutSeconds,
            mailRetentionDays
        // Issue 21 calendar presence.
        case calendarTimeoutSeconds, calendarConcurrency
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Checks values that would otherwise fail later and less clearly.
    func validate() throws {
        guard (0...65535).contains(port) else { throw ConfigurationError("port must be between 0 and 65535") }
        guard (0...65535).contains(pushPort) else { throw ConfigurationError("pushPort must be between 0 and 65535") }
        guard (4...31).contains(bcryptCost) else { throw ConfigurationError("bcryptCost must be between 4 and 31") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ConfigurationError("logLevel must be one of trace, debug, info, notice, warning, error, critical")
        }
        if let tokenSecret, tokenSecret.utf8.count < 32 { throw ConfigurationError("tokenSecret needs at least 32 bytes") }
        guard loginBurst >= 1, loginPerSecond > 0 else { throw ConfigurationError("loginBurst must be at least 1 and loginPerSecond above 0") }
        guard webhooksRetryWindowSeconds >= 0, webhooksBackoffSeconds > 0, webhooksBackoffCapSeconds >= webhooksBackoffSeconds, webhooksTimeoutSeconds > 0
        else { throw ConfigurationError("webhook retry window, backoff (and its cap, not below it) and timeout must be positive") }
        guard webhooksRetentionDays * 86_400 >= webhooksRetryWindowSeconds else {
            throw ConfigurationError("webhooksRetentionDays must cover the retry window (webhooksRetryWindowSeconds)")
        }
        guard callbacksPerAddressPerMinute >= 1, callbacksPerNumberPerHour >= 1, callbacksRetentionDays >= 1 else {
            throw ConfigurationError("callbacksPerAddressPerMinute, callbacksPerNumberPerHour and callbacksRetentionDays must be at least 1")
        }
        guard callBackLinkValiditySeconds > 0, mailBackoffSeconds > 0, mailBackoffCapSeconds >= mailBackoffSeconds, mailRetryWindowSeconds >= 0,
            mailTimeoutSeconds > 0, mailRetentionDays * 86_400 >= mailRetryWindowSeconds
        else {
            throw ConfigurationError(
                "call-back link validity, mail backoff (and its cap, not below it) and timeout must be positive; mailRetentionDays must cover mailRetryWindowSeconds"
            )
        }
        guard calendarTimeoutSeconds > 0, (1...64).contains(calendarConcurrency) else {
            throw ConfigurationError("calendarTimeoutSeconds must be positive and calendarConcurrency between 1 and 64")
        }
        if let publicUrl, !publicUrl.isEmpty, URL(string: publicUrl)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            throw ConfigurationError("publicUrl must be an http:// or https:// address")
        }
        guard loginLockUserFailures >= 1, loginLockAddressFailures >= 1, loginLockMinutes > 0 else {
            throw ConfigurationError("loginLockUserFailures and loginLockAddressFailures must be at least 1, loginLockMinutes above 0")
        }
    }
}

/// A configuration value the server cannot run with.
struct ConfigurationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

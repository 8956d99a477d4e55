import Foundation

/// A domain's CalDAV calendar connection (issue 21, admin guide 8.5.3/8.7.4): the server, the service account that
/// reads every user's calendar, how a user's calendar URL is made from their e-mail or login, and how often it is read.
public struct CalendarConnection: CompanyScoped, Codable, Equatable, Sendable {
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    /// The CalDAV server's base URL, http or https (`https://cal.example.com/dav`).
    public var serverURL: String
    /// The service account; empty: read without credentials.
    public var username: String
    /// The service account's password: a secret, stored as set, never answered (`masked`) nor logged.
    public var password: String
    /// Where a user's calendar is: `{base}` is `serverURL` without its trailing slash, `{email}` the user's e-mail,
    /// `{login}` their user name, `{localpart}` the e-mail before its "@" (each percent-encoded as a path segment).
    public var calendarURLTemplate: String
    /// Seconds between two reads of every calendar.
    public var refreshSeconds: Int
    /// The zone floating times and whole-day events are read in (IANA name).
    public var timeZone: String
    public var enabled: Bool
    public var updatedAt: Date

    /// The default mapping: by e-mail, as the guide maps users to Exchange and Domino calendars.
    public static let defaultTemplate = "{base}/{email}/calendar/"
    /// What answers show instead of a password that is set.
    public static let masked = "********"
    public static let refreshRange = 30...86_400

    public init(
        id: Int64? = nil,
        companyId: Int64,
        domainId: Int64,
        serverURL: String,
        username: String = "",
        password: String = "",
        calendarURLTemplate: String = CalendarConnection.defaultTemplate,
        refreshSeconds: Int = 300,
        timeZone: String = "UTC",
        enabled: Bool = true,
        updatedAt: Date
    ) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.serverURL = serverURL
        self.username = username
        self.password = password
        self.calendarURLTemplate = calendarURLTemplate
        self.refreshSeconds = refreshSeconds
        self.timeZone = timeZone
        self.enabled = enabled
        self.updatedAt = updatedAt
    }

    /// The connection as answers show it: the password masked when one is set.
    public var shown: CalendarConnection {
        var shown = self
        shown.password = password.isEmpty ? "" : Self.masked
        return shown
    }

    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")! }

    public var credentials: CalendarCredentials { CalendarCredentials(username: username, password: password) }

    /// The calendar URL of `user`, or nil when the template needs an e-mail (or login) the user does not have.
    public func calendarURL(email: String, login: String) -> String? {
        let base = serverURL.hasSuffix("/") ? String(serverURL.dropLast()) : serverURL
        var url = calendarURLTemplate
        let email = email.trimmingCharacters(in: .whitespaces)
        if url.contains("{email}") || url.contains("{localpart}") {
            guard email.contains("@") else { return nil }
        }
        if url.contains("{login}"), login.isEmpty { return nil }
        let localpart = String(email.prefix { $0 != "@" })
        url = url.replacingOccurrences(of: "{email}", with: Self.segment(email))
        url = url.replacingOccurrences(of: "{login}", with: Self.segment(login))
        url = url.replacingOccurrences(of: "{localpart}", with: Self.segment(localpart))
        url = url.replacingOccurrences(of: "{base}", with: base)
        return url
    }

    /// A value percent-encoded as one path segment ("@" is kept: CalDAV servers name principals by address).
    static func segment(_ value: String) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~@+")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// What an administrator sends to set a domain's calendar connection; a password left out, or sent masked, keeps the
/// stored one.
public struct CalendarConnectionInput: Sendable, Equatable {
    public var serverURL: String
    public var username: String?
    public var password: String?
    public var calendarURLTemplate: String?
    public var refreshSeconds: Int?
    public var timeZone: String?
    public var enabled: Bool?

    public init(
        serverURL: String,
        username: String? = nil,
        password: String? = nil,
        calendarURLTemplate: String? = nil,
        refreshSeconds: Int? = nil,
        timeZone: String? = nil,
        enabled: Bool? = nil
    ) {
        self.serverURL = serverURL
        self.username = username
        self.password = password
        self.calendarURLTemplate = calendarURLTemplate
        self.refreshSeconds = refreshSeconds
        self.timeZone = timeZone
        self.enabled = enabled
    }

    /// Checks every field, naming the one at fault, and applies them over `stored` (or a new connection).
    func applied(to stored: CalendarConnection?, companyId: Int64, domainId: Int64, time: Date) throws(DomainError) -> CalendarConnection {
        let server = serverURL.trimmingCharacters(in: .whitespaces)
        try Self.checkURL(server, field: "serverURL")
        var connection = stored ?? CalendarConnection(companyId: companyId, domainId: domainId, serverURL: server, updatedAt: time)
        connection.serverURL = server
        if let username {
            guard username.unicodeScalars.count <= 255, !username.unicodeScalars.contains(where: PasswordPolicy.isControl), !username.contains(":") else {
                throw .invalid(field: "username", "username takes at most 255 characters, no control characters and no colon")
            }
            connection.username = username
        }
        if let password, password != CalendarConnection.masked {
            guard password.unicodeScalars.count <= 255, !password.unicodeScalars.contains(where: PasswordPolicy.isControl) else {
                throw .invalid(field: "password", "password takes at most 255 characters and no control characters")
            }
            connection.password = password
        }
        if let template = calendarURLTemplate {
            try Self.checkTemplate(template)
            connection.calendarURLTemplate = template
        }
        if let refreshSeconds {
            guard CalendarConnection.refreshRange.contains(refreshSeconds) else {
                throw .invalid(field: "refreshSeconds", "refreshSeconds is between 30 and 86400")
            }
            connection.refreshSeconds = refreshSeconds
        }
        if let timeZone { connection.timeZone = try CompanyDomain.checkTimeZone(timeZone) }
        if let enabled { connection.enabled = enabled }
        connection.updatedAt = time
        return connection
    }

    /// An absolute http or https URL with a host, no user part (credentials go in their own fields, never in a URL that
    /// could be logged), no query or fragment: the contract's pattern
    /// `^[hH][tT][tT][pP][sS]?://[^\s\x00-\x1f\x7f-\x9f/?#@]+(/[^\s\x00-\x1f\x7f-\x9f?#]*)?$`, code point by code point.
    static func checkURL(_ text: String, field: String) throws(DomainError) {
        guard text.unicodeScalars.count <= 512, let (host, path) = split(text), !host.isEmpty, !host.contains(where: { "@/".unicodeScalars.contains($0) }),
            path.allSatisfy(isPathScalar), host.allSatisfy(isPathScalar)
        else {
            throw .invalid(field: field, "\(field) must be an http or https URL with a host, at most 512 characters, no user, query or fragment")
        }
    }

    /// A calendar URL template: `{base}/…` or an http(s) URL whose host holds no braces, with a path naming the user
    /// (`{email}`, `{login}` or `{localpart}`), no spaces, control characters, query or fragment (the contract's pattern).
    static func checkTemplate(_ template: String) throws(DomainError) {
        let field = "calendarURLTemplate"
        let problem = DomainError.invalid(
            field: field,
            "calendarURLTemplate is {base}/… or an http(s) URL, at most 512 characters, whose path names the user with {email}, {login} or {localpart}"
        )
        guard template.unicodeScalars.count <= 512 else { throw problem }
        let path: [Unicode.Scalar]
        if template.hasPrefix("{base}/") {
            path = Array(template.unicodeScalars.dropFirst("{base}".count))
        } else {
            guard let (host, rest) = split(template), !host.isEmpty, host.allSatisfy({ isPathScalar($0) && !"@{}".unicodeScalars.contains($0) }), !rest.isEmpty
            else { throw problem }
            path = rest
        }
        let text = String(scalars: path)
        guard path.allSatisfy(isPathScalar), ["{email}", "{login}", "{localpart}"].contains(where: { Check.contains(text, $0) }) else { throw problem }
    }

    /// The host and the path (from its "/") of an http or https URL, or nil for another scheme.
    private static func split(_ text: String) -> ([Unicode.Scalar], [Unicode.Scalar])? {
        let scalars = Array(text.unicodeScalars)
        let lower = String(scalars: scalars.prefix(8)).lowercased()
        let skip = lower.hasPrefix("https://") ? 8 : lower.hasPrefix("http://") ? 7 : 0
        guard skip > 0 else { return nil }
        let rest = scalars.dropFirst(skip)
        let host = rest.prefix { $0 != "/" }
        return (Array(host), Array(rest.dropFirst(host.count)))
    }

    /// Neither a space (ECMAScript `\s`), a control character (C0, DEL, C1), "?" nor "#".
    private static func isPathScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x20, 0x7F...0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: false
        case 0x3F, 0x23: false
        default: true
        }
    }
}

/// Where the domains' calendar connections are kept (Storage implements it); each method is one transaction.
public protocol CalendarStore: Sendable {
    func calendarConnection(domainId: Int64) async throws -> CalendarConnection?
    /// Every domain's connection.
    func calendarConnections() async throws -> [CalendarConnection]
    /// Inserts or replaces the domain's connection.
    func saveCalendarConnection(_ connection: CalendarConnection) async throws -> CalendarConnection
    /// False when the domain had none.
    func deleteCalendarConnection(domainId: Int64) async throws -> Bool
}

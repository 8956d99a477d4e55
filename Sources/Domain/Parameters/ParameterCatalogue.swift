/// Every parameter the server knows, with its default (admin guide 6, 9.1.8, 10.2).
public enum ParameterCatalogue {
    public static let all: [ParameterDefinition] = server + caller + alerter + rules + system

    static let server: [ParameterDefinition] = [
        .init(.twsServer, "AuthMethods", "TWS", .authMethods, "Authentication methods allowed, separated by | (WindowsSecurity, LDAP, TWS, None)"),
        .init(.twsServer, "AuthLdapServer", "", .text(maxLength: 255), "LDAP server: host, IP address, or ldap:// or ldaps:// URL"),
        .init(.twsServer, "AuthLdapPort", "389", .integer(1...65535), "LDAP server port; ldaps:// without a port uses 636"),
        .init(.twsServer, "AuthLdapDn", "?", .text(maxLength: 1024), "DN to bind as; ? is replaced by the user name"),
        .init(.twsServer, "AuthLdapStartTls", "false", .bool, "Upgrade ldap:// connections with StartTLS (ldaps:// servers always use TLS)"),
        .init(.twsServer, "AuthLdapCaFile", "", .text(maxLength: 1024), "PEM file of the LDAP server's CAs; empty: the system CAs"),
        .init(.twsServer, "AuthLdapTlsVerify", "true", .bool, expert: true, "Check the LDAP server's certificate and name; turn off only for tests"),
        .init(.twsServer, "AuthLdapConnectTimeoutSeconds", "3", .integer(1...60), expert: true, "Time allowed to connect to the LDAP server"),
        .init(.twsServer, "AuthLdapTimeoutSeconds", "5", .integer(1...120), expert: true, "Time allowed for each LDAP answer (StartTLS, TLS, bind)"),
        .init(.twsServer, "SessionLifetimeMinutes", "720", .integer(5...43200), expert: true, "Lifetime of a user session token"),
    ] + mail

    /// Admin guide 9.1.5 (e-mail alerts, SMTP configuration), issue 20. The guide spells three of them `Smt…`; the
    /// `Smtp…` spellings are accepted as aliases. The password is a secret: stored, used, never answered nor logged.
    static let mail: [ParameterDefinition] = {
        var port = ParameterDefinition(.twsServer, "SmtServerPort", "25", .integer(1...65535), expert: true, "SMTP server port (also SmtpServerPort)")
        port.aliases = ["SmtpServerPort"]
        var user = ParameterDefinition(.twsServer, "SmtAuthUserName", "", .text(maxLength: 255), expert: true, "SMTP account; empty: no AUTH (also SmtpAuthUserName)")
        user.aliases = ["SmtpAuthUserName"]
        var password = ParameterDefinition(
            .twsServer,
            "SmtAuthPassword",
            "",
            .text(maxLength: 255),
            expert: true,
            "Password of the SMTP account (also SmtpAuthPassword); a secret, never shown"
        )
        password.aliases = ["SmtpAuthPassword"]
        password.secret = true
        return [
            .init(.twsServer, "smtp", "", .text(maxLength: 255), "SMTP server for e-mail notifications (host name or address); empty: no e-mails are sent"),
            port, user, password,
            .init(
                .twsServer,
                "SmtpSecurity",
                "starttls",
                .choice(MailServer.Security.allCases.map(\.rawValue)),
                expert: true,
                "starttls: STARTTLS when the server offers it; starttls-required: refuse to send without it; tls: implicit TLS (port 465); none"
            ),
            .init(.twsServer, "SmtpSender", "", .text(maxLength: 254), "From address of notification e-mails; empty: tws@ the SMTP host"),
            .init(.twsServer, "SmtpCaFile", "", .text(maxLength: 1024), expert: true, "PEM file of the SMTP server's CAs; empty: the system CAs"),
            .init(.twsServer, "SmtpTlsVerify", "true", .bool, expert: true, "Check the SMTP server's certificate and name; turn off only for tests"),
        ]
    }()

    static let caller: [ParameterDefinition] =
        [
            ("AuthorizeChat", "true", false, "Chat between users"),
            ("AuthorizeContactFavorite", "true", false, "Create private contacts"),
            ("AuthorizeHotKeys", "true", false, "Ctrl+F1..F11 dial shortcuts"),
            ("AuthorizeHotKeysExe", "true", false, "Ctrl+F12 dials the highlighted number"),
            ("AuthorizeInterception", "false", false, "Intercept calls ringing on contacts' devices"),
            ("AuthorizePublicList", "false", false, "Make a contact list public"),
            ("AuthorizeSimpleRules", "true", false, "Manage forwarding rules"),
            ("AuthorizeSms", "false", false, "Send SMS to a contact's mobile"),
            ("AuthorizedAdvancedSearch", "true", true, "Advanced directory search"),
            ("AuthorizedCalendarPresences", "true", true, "See contacts' calendar events"),
            ("AuthorizedCustomMessagePresences", "true", true, "Custom presence messages"),
            ("AuthorizedEmailNotification", "true", true, "E-mail on missed calls and voicemail"),
            ("AuthorizedPhoneSupervisionPresences", "true", true, "See contacts' telephony presence"),
            ("AuthorizedForwardTypeImmediate", "true", true, "Forward rules: immediate"),
            ("AuthorizedForwardTypeBusy", "true", true, "Forward rules: on busy"),
            ("AuthorizedForwardTypeNoAnswer", "true", true, "Forward rules: on no answer"),
            ("AuthorizedForwardOriginAll", "true", true, "Forward rules: for every caller"),
            ("AuthorizedForwardOriginExternal", "true", true, "Forward rules: for external callers (also listed numbers, a directory's contacts, VIPs, unknown callers)"),
            ("AuthorizedForwardOriginInternal", "true", true, "Forward rules: for internal callers"),
            ("AuthorizedForwardPresenceOnline", "true", true, "Forward rules: while online"),
            ("AuthorizedForwardPresenceAbsent", "true", true, "Forward rules: while absent (the guide spells it AuthorizedForwardPresenceAsbsent; both names work)"),
            ("AuthorizedForwardPresenceBusy", "true", true, "Forward rules: while busy"),
            ("AuthorizedForwardPresenceOffline", "true", true, "Forward rules: while offline"),
            ("AuthorizedForwardPresenceCalendar", "true", true, "Forward rules: while in a calendar event"),
            ("DisplaySimpleRules", "true", true, "See forwards set from the telephone as simple rules"),
        ].map { entry in
            var definition = ParameterDefinition(.caller, entry.0, entry.1, .bool, expert: entry.2, entry.3)
            // Admin guide 9.1.8 spells it "AuthorizedForwardPresenceAsbsent"; settings written that way keep working.
            if definition.name == "AuthorizedForwardPresenceAbsent" { definition.aliases = ["AuthorizedForwardPresenceAsbsent"] }
            return definition
        }
        + [
            // 9.1.7: the value names the user group (the "bosses") whose call details / forwarding the user may see.
            .init(
                .caller,
                "AuthorizeSupervisionInformation",
                "",
                .text(maxLength: 255),
                "User group whose calls the user may see (boss/secretary, 9.1.7)"
            ),
            .init(
                .caller,
                "MapServiceURL",
                "https://www.openstreetmap.org/search?query={0}",
                .text(maxLength: 512),
                "Map site linked from address fields (option a); {0} is the address"
            ),
            .init(.caller, "vmNumber", "", .text(maxLength: 64), "Voicemail number (9.1.4): called by click-to-call and by rules forwarding to voicemail"),
            .init(.caller, "AuthorizeShareRulesGroup", "", .text(maxLength: 255), "User group whose active forwarding the user may see (9.1.7)"),
            .init(
                .caller,
                "SupervisionInformationGroup",
                "",
                .text(maxLength: 255),
                expert: true,
                "Intercom group used to name boss/secretary calls (9.1.7)"
            ),
        ]

    /// Admin guide 9.2.1. The guide leaves the defaults to the installation; these make a card of the built-in
    /// template's size that shows the caller.
    static let alerter: [ParameterDefinition] = [
        .init(.alerter, "AlerterMode", "XML", .choice(["XML", "URL"]), "XML: the caller's card from the AlerterXml template; URL: the AlerterUrl page"),
        .init(
            .alerter,
            "AlerterXml",
            "default.xml",
            .text(maxLength: 64),
            "Name of the domain's card template (XML mode); a name the domain has no template of shows the built-in card"
        ),
        .init(
            .alerter,
            "AlerterUrl",
            "",
            .text(maxLength: 1024),
            "Page shown in URL mode; [-Field-] values are substituted, percent-encoded (e.g. https://crm.example/search?q=[-PhoneNumber-])"
        ),
        .init(.alerter, "AlerterWidth", "400", .integer(100...4000), "Width of the Alerter window in pixels"),
        .init(.alerter, "AlerterHeight", "200", .integer(60...4000), "Height of the Alerter window in pixels"),
    ]

    /// Admin guide 9.6.2 (TWS Rules). The guide gives no defaults; these keep every check on but verification, which
    /// needs a resource device (9.5).
    static let rules: [ParameterDefinition] = [
        .init(.rules, "CIRCULARLEVEL", "2", .integer(0...10), "Forwards a call may follow before a loop back to where it started is refused (0: no check, 1: A may not forward to A)"),
        .init(.rules, "CreateOnlyRUL", "false", .bool, "Users have server-run rules only: no forward is applied in the PBX"),
        .init(.rules, "EMERGENCYNUMBER", "", .text(maxLength: 64), "Number a verified forward falls back to when its destination does not answer (TRANSFERVERIFICATION)"),
        .init(.rules, "EMERGENCYNUMBERCALLTIMES", "1", .integer(1...10), "Times the emergency number is tried when nobody answers it"),
        .init(.rules, "IsUserAuthorizedToCreateWithAdminRules", "true", .bool, "Users may create their own rules when an administrator imposes some"),
        .init(.rules, "TRANSFERVERIFICATION", "false", .bool, "Check that forwarded calls are answered, and fall back to EMERGENCYNUMBER"),
        .init(.rules, "WAITTIMENOREPLY", "15", .integer(1...600), "Seconds a call rings before an advanced no-answer rule forwards it"),
        .init(.rules, "WAITTIMENOREPLYPBX", "20", .integer(1...600), "Seconds the PBX rings before its own no-answer forward (copy it from the PBX)"),
        .init(
            .rules,
            "ResourceDevice",
            "",
            .text(maxLength: 32),
            expert: true,
            "Virtual device resource (9.5): a device of the domain the server answers forwarded calls on to verify them (TRANSFERVERIFICATION)"
        ),
    ]

    static let system: [ParameterDefinition] = [
        .init(.system, "CallLog-StartCleaningHour", "03:00", .timeOfDay, "Time of day the call-log cleaning starts"),
        .init(.system, "CallLog-NumberMaxOfStorage", "30", .integer(0...100_000), "Calls kept per type (incoming, outgoing, missed)"),
        .init(.system, "CallLog-NumberDaysOfStorage", "30", .integer(1...3650), "Days calls are kept"),
        .init(.system, "timeSynchronizationDirectories", "02:00", .timeOfDay, expert: true, "Time of day daily directories synchronise (8.2.1)"),
        .init(.system, "Stats-StartCleaningHour", "03:30", .timeOfDay, expert: true, "Time of day the statistics cleaning starts"),
        .init(.system, "Stats-NumberDaysOfStorage", "365", .integer(1...3650), expert: true, "Days statistics are kept"),
        // Admin guide 9.1.3 (issue 21): read for the viewer (Summary) and for the calendar's owner (Private).
        .init(.system, "DisplayCalendarSummary", "true", .bool, "Calendar presence: the user sees the subject of colleagues' events, not only busy until"),
        .init(.system, "DisplayCalendarPrivate", "false", .bool, "Calendar presence: the user's private events are shown to others like normal ones; otherwise left out"),
    ]

    /// The definition of `(application, name)`, or a `not_found` error.
    public static func definition(_ application: Application, _ name: String) throws(DomainError) -> ParameterDefinition {
        guard let found = all.first(where: { $0.application == application && ($0.name == name || $0.aliases.contains(name)) }) else {
            throw DomainError(.notFound, code: "unknown_parameter", "No parameter \(name) for \(application.rawValue)")
        }
        return found
    }
}

extension ParameterValue {
    /// The value as listings answer it: a secret's value masked (issue 20: `SmtAuthPassword` is never returned).
    public var shown: ParameterValue {
        var shown = self
        if let definition = try? ParameterCatalogue.definition(application, name) { shown.value = definition.shown(value) }
        return shown
    }
}

extension ResolvedParameter {
    /// The value as listings and profiles answer it: a secret's value masked.
    public var shown: ResolvedParameter {
        var shown = self
        if let definition = try? ParameterCatalogue.definition(application, name) { shown.value = definition.shown(value) }
        return shown
    }
}

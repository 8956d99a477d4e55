/// Every parameter the server knows, with its default (admin guide 6, 9.1.8, 10.2).
public enum ParameterCatalogue {
    public static let all: [ParameterDefinition] = server + caller + alerter + system

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
    ]

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
        ].map { ParameterDefinition(.caller, $0.0, $0.1, .bool, expert: $0.2, $0.3) }
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

    static let system: [ParameterDefinition] = [
        .init(.system, "CallLog-StartCleaningHour", "03:00", .timeOfDay, "Time of day the call-log cleaning starts"),
        .init(.system, "CallLog-NumberMaxOfStorage", "30", .integer(0...100_000), "Calls kept per type (incoming, outgoing, missed)"),
        .init(.system, "CallLog-NumberDaysOfStorage", "30", .integer(1...3650), "Days calls are kept"),
        .init(.system, "timeSynchronizationDirectories", "02:00", .timeOfDay, expert: true, "Time of day daily directories synchronise (8.2.1)"),
        .init(.system, "Stats-StartCleaningHour", "03:30", .timeOfDay, expert: true, "Time of day the statistics cleaning starts"),
        .init(.system, "Stats-NumberDaysOfStorage", "365", .integer(1...3650), expert: true, "Days statistics are kept"),
    ]

    /// The definition of `(application, name)`, or a `not_found` error.
    public static func definition(_ application: Application, _ name: String) throws(DomainError) -> ParameterDefinition {
        guard let found = all.first(where: { $0.application == application && $0.name == name }) else {
            throw DomainError(.notFound, code: "unknown_parameter", "No parameter \(name) for \(application.rawValue)")
        }
        return found
    }
}

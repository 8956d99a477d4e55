import Auth
import Testing

/// How the LDAP method turns parameters into a bind name and a server URL, without a server.
@Suite("LDAP sign-in settings")
struct LDAPSignInSettingsTests {
    @Test(arguments: [
        ("alice", "alice"),
        (#"o,dd+na"me\x=y"#, #"o\,dd\+na\"me\\x\=y"#),
        ("<a>;b", #"\<a\>\;b"#),
        (" lead", #"\ lead"#),
        ("trail ", #"trail\ "#),
        (" ", #"\ "#),
        ("  two  ", #"\  two \ "#),
        ("#hash", ##"\#hash"##),
        ("a#b c", "a#b c"),
        ("nul\u{0}x", #"nul\00x"#),
        ("Zoë Ωmega", "Zoë Ωmega"),
        ("", ""),
    ])
    func attributeValuesAreEscapedAsRFC4514Says(raw: String, escaped: String) {
        #expect(LDAPDistinguishedName.escapedValue(raw) == escaped)
    }

    @Test
    func everyQuestionMarkOfADNTemplateTakesTheEscapedName() {
        #expect(
            LDAPDistinguishedName.bindName(template: "uid=?,ou=people,dc=example,dc=org", username: "a,b")
                == #"uid=a\,b,ou=people,dc=example,dc=org"#
        )
        // The seed's example (admin guide 6.3), with the name used twice.
        #expect(
            LDAPDistinguishedName.bindName(template: "OU=PARIS, DC=SSDEI, DC=local, CN=?, description=?", username: "Smith, J")
                == #"OU=PARIS, DC=SSDEI, DC=local, CN=Smith\, J, description=Smith\, J"#
        )
        // An attempt to add an RDN of one's own stays inside the value.
        #expect(
            LDAPDistinguishedName.bindName(template: "uid=?,ou=people,dc=example,dc=org", username: "x,ou=admins")
                == #"uid=x\,ou\=admins,ou=people,dc=example,dc=org"#
        )
    }

    @Test
    func theDefaultTemplateBindsAsTheBareUserName() {
        // "?" is not a DN: Active Directory resolves UPNs and down-level names itself.
        #expect(LDAPDistinguishedName.bindName(template: "?", username: "jdoe@example.org") == "jdoe@example.org")
        #expect(LDAPDistinguishedName.bindName(template: "?", username: #"EXAMPLE\jdoe"#) == #"EXAMPLE\jdoe"#)
    }

    @Test(arguments: [
        ("ldap.example.org", "389", "ldap://ldap.example.org:389", false),
        ("10.0.0.5", "1389", "ldap://10.0.0.5:1389", false),
        ("10.0.0.5", "636", "ldaps://10.0.0.5:636", true),
        ("ldap.example.org:3389", "389", "ldap://ldap.example.org:3389", false),
        ("ldap://ldap.example.org", "389", "ldap://ldap.example.org:389", false),
        ("LDAP://ldap.example.org:10389/dc=example,dc=org", "389", "ldap://ldap.example.org:10389", false),
        ("ldaps://ldap.example.org", "389", "ldaps://ldap.example.org:636", true),
        ("ldaps://ldap.example.org", "1636", "ldaps://ldap.example.org:1636", true),
        ("ldaps://ldap.example.org:3269", "389", "ldaps://ldap.example.org:3269", true),
        ("ldap://ldap.example.org", "636", "ldap://ldap.example.org:636", false),
        ("::1", "389", "ldap://[::1]:389", false),
        ("[::1]:1389", "389", "ldap://[::1]:1389", false),
        ("  ldap.example.org ", "389", "ldap://ldap.example.org:389", false),
    ])
    func serverAndPortMakeTheURL(server: String, port: String, url: String, ldaps: Bool) throws {
        let made = try LDAPAuthenticator.url(server: server, port: port)
        #expect(made.url == url)
        #expect(made.ldaps == ldaps)
    }

    @Test(arguments: [
        ("", "389"),
        ("ldapi://%2Frun%2Fslapd", "389"),
        ("http://ldap.example.org", "389"),
        ("ldap.example.org", "0"),
        ("ldap.example.org", "http"),
        ("ldap.example.org:99999", "389"),
        ("ldap://", "389"),
        ("two hosts", "389"),
        ("user@ldap.example.org", "389"),
    ])
    func unusableServersAreConfigurationErrors(server: String, port: String) {
        #expect(throws: LDAPAuthenticator.ConfigurationError.self) { try LDAPAuthenticator.url(server: server, port: port) }
    }

    @Test
    func parametersMakeTheBind() throws {
        let bind = try LDAPAuthenticator.bind([
            "AuthLdapServer": "ldap.example.org", "AuthLdapPort": "389", "AuthLdapStartTls": "true", "AuthLdapCaFile": "/etc/tws/ca.pem",
            "AuthLdapTlsVerify": "true", "AuthLdapConnectTimeoutSeconds": "2", "AuthLdapTimeoutSeconds": "4",
        ])
        #expect(bind.url == "ldap://ldap.example.org:389")
        #expect(bind.startTLS)
        #expect(bind.caFile == "/etc/tws/ca.pem")
        #expect(bind.verifyCertificate)
        #expect(bind.networkTimeout == .seconds(2))
        #expect(bind.operationTimeout == .seconds(4))
        // ldaps is TLS from the start: no StartTLS on top; an empty CA file means the system CAs.
        let ldaps = try LDAPAuthenticator.bind(["AuthLdapServer": "ldaps://ldap.example.org", "AuthLdapStartTls": "true", "AuthLdapCaFile": ""])
        #expect(!ldaps.startTLS)
        #expect(ldaps.caFile == nil)
        #expect(ldaps.networkTimeout == .seconds(3))
        #expect(ldaps.operationTimeout == .seconds(5))
    }
}

/// Builds the name the LDAP sign-in binds as, from the `AuthLdapDn` template and a user name (admin guide 6.3).
public enum LDAPDistinguishedName {
    /// `template` with every `?` replaced by `username`.
    ///
    /// When the template is a DN (it holds an `=`, as in `uid=?,ou=people,dc=example,dc=org`), the user name
    /// becomes an attribute value and is escaped (RFC 4514 2.4), so `a,b` cannot add an RDN of its own. The
    /// default template `?` is not a DN but a bind name the server resolves (Active Directory takes
    /// `user@example.org` or `EXAMPLE\user`), so there the administrator-created user name is passed as is.
    public static func bindName(template: String, username: String) -> String {
        let value = template.contains("=") ? escapedValue(username) : username
        return template.replacingOccurrences(of: "?", with: value)
    }

    /// An attribute value escaped for a DN string (RFC 4514 2.4): `"+,;<>\=` everywhere, a space or `#`
    /// at the start, a space at the end, and NUL as `\00`.
    public static func escapedValue(_ value: String) -> String {
        let scalars = Array(value.unicodeScalars)
        var escaped = String.UnicodeScalarView()
        for (index, scalar) in scalars.enumerated() {
            switch scalar {
            case "\0":
                escaped.append(contentsOf: #"\00"#.unicodeScalars)
                continue
            case "\"", "+", ",", ";", "<", ">", "\\", "=":
                escaped.append("\\")
            case " " where index == 0 || index == scalars.count - 1:
                escaped.append("\\")
            case "#" where index == 0:
                escaped.append("\\")
            default:
                break
            }
            escaped.append(scalar)
        }
        return String(escaped)
    }
}

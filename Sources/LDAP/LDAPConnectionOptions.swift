/// Where an LDAP server is, what TLS to use with it and how long to wait for it: what sign-in binds and directory
/// searches set on every connection alike.
public struct LDAPConnectionOptions: Sendable, Equatable {
    /// `ldap://host:port` or `ldaps://host:port`.
    public var url: String
    /// Upgrade an `ldap://` connection with StartTLS (RFC 4511 4.14) before binding.
    public var startTLS: Bool
    /// PEM file of trusted CAs; nil: the CAs libldap is configured with (`TLS_CACERT` of /etc/ldap/ldap.conf).
    public var caFile: String?
    /// Check the server's certificate chain and name.
    public var verifyCertificate: Bool
    /// Time allowed for the TCP connection.
    public var networkTimeout: Duration
    /// Time allowed for each answer (StartTLS, bind, search results).
    public var operationTimeout: Duration

    public init(
        url: String,
        startTLS: Bool = false,
        caFile: String? = nil,
        verifyCertificate: Bool = true,
        networkTimeout: Duration = .seconds(3),
        operationTimeout: Duration = .seconds(5)
    ) {
        self.url = url
        self.startTLS = startTLS
        self.caFile = caFile
        self.verifyCertificate = verifyCertificate
        self.networkTimeout = networkTimeout
        self.operationTimeout = operationTimeout
    }

    /// True for `ldaps://` URLs, whose connection starts with a TLS handshake.
    public var isLDAPS: Bool { url.lowercased().hasPrefix("ldaps://") }

    /// StartTLS is sent when asked for on an `ldap://` URL (an ldaps connection is TLS already).
    public var sendsStartTLS: Bool { startTLS && !isLDAPS }

    /// The longest the connection, its TLS handshake and the bind may take together: the watchdog's deadline.
    public var bindDeadline: Duration { networkTimeout + operationTimeout * (sendsStartTLS ? 2 : 1) }
}

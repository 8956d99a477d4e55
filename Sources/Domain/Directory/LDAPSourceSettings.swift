import Foundation

/// An LDAP or Active Directory server searched with the paged-results control (admin guide 8.3 "Advanced tab").
public struct LDAPSourceSettings: Codable, Sendable, Equatable {
    /// Host name or address; an `ldap://` or `ldaps://` URL is accepted too.
    public var host: String
    public var port: Int
    /// TLS from the first byte (ldaps).
    public var ldaps: Bool
    /// Upgrade a plain connection with StartTLS before binding.
    public var startTLS: Bool
    /// PEM file of the server's CAs; empty: the system CAs.
    public var caFile: String
    /// Check the server's certificate and name; off only for tests.
    public var tlsVerify: Bool
    /// Empty: anonymous bind.
    public var bindDN: String
    public var password: String
    /// The "connection string" of the guide: the base DN searched (subtree).
    public var baseDN: String
    public var filter: String
    /// Rows per page (paged-results control); 0: no paging.
    public var pageSize: Int
    /// At most this many entries; 0: no limit.
    public var sizeLimit: Int
    public var timeoutSeconds: Int

    public init(
        host: String,
        port: Int = 389,
        ldaps: Bool = false,
        startTLS: Bool = false,
        caFile: String = "",
        tlsVerify: Bool = true,
        bindDN: String = "",
        password: String = "",
        baseDN: String,
        filter: String = "(objectClass=*)",
        pageSize: Int = 1000,
        sizeLimit: Int = 0,
        timeoutSeconds: Int = 10
    ) {
        self.host = host
        self.port = port
        self.ldaps = ldaps
        self.startTLS = startTLS
        self.caFile = caFile
        self.tlsVerify = tlsVerify
        self.bindDN = bindDN
        self.password = password
        self.baseDN = baseDN
        self.filter = filter
        self.pageSize = pageSize
        self.sizeLimit = sizeLimit
        self.timeoutSeconds = timeoutSeconds
    }
}

extension LDAPSourceSettings {
    /// The one set of bounds for an LDAP connection, whether a directory or a user import reads it (the contract's
    /// `LDAPSourceSettings`): host and base DN are names, the filter is empty or written in parentheses (the LDAP
    /// server parses the rest and a run reports its refusal), StartTLS cannot ride on ldaps.
    func checked(_ prefix: String = "connection") throws(DomainError) -> LDAPSourceSettings {
        var settings = self
        settings.host = try Check.name(host, field: "\(prefix).host", max: 255)
        try Check.range(port, 1...65535, field: "\(prefix).port")
        guard !(ldaps && startTLS) else { throw .invalid(field: "\(prefix).startTLS", "\(prefix).startTLS cannot be used with ldaps") }
        settings.caFile = try Check.text(caFile, field: "\(prefix).caFile", max: 1024)
        settings.bindDN = try Check.text(bindDN, field: "\(prefix).bindDN", max: 1024)
        guard password.unicodeScalars.count <= 256 else { throw .invalid(field: "\(prefix).password", "\(prefix).password takes at most 256 characters") }
        settings.baseDN = try Check.name(baseDN, field: "\(prefix).baseDN", max: 1024)
        guard filter.unicodeScalars.count <= 4096, filter.isEmpty || (filter.unicodeScalars.first == "(" && filter.unicodeScalars.last == ")") else {
            throw .invalid(field: "\(prefix).filter", "\(prefix).filter is empty or an LDAP filter in parentheses, e.g. (objectClass=person)")
        }
        try Check.range(pageSize, 0...100_000, field: "\(prefix).pageSize")
        try Check.range(sizeLimit, 0...10_000_000, field: "\(prefix).sizeLimit")
        try Check.range(timeoutSeconds, 1...3600, field: "\(prefix).timeoutSeconds")
        return settings
    }
}

/// A request authenticated by a company's API key (issue 19): a CRM or portal, not a person. It carries the key's
/// company and scopes; which users it may act for is read from the key when it acts (so a change applies at once).
public struct ApiKeyPrincipal: Sendable, Equatable {
    public var keyId: Int64
    public var companyId: Int64
    public var scopes: Set<ApiKeyScope>
    /// The web origins whose pages may use the key (a publishable portal key's).
    public var allowedOrigins: [String]

    public init(keyId: Int64, companyId: Int64, scopes: Set<ApiKeyScope>, allowedOrigins: [String] = []) {
        self.keyId = keyId
        self.companyId = companyId
        self.scopes = scopes
        self.allowedOrigins = allowedOrigins
    }

    /// Throws 403 `scope_not_granted` unless the key holds `scope`.
    public func require(_ scope: ApiKeyScope) throws(DomainError) {
        guard scopes.contains(scope) else {
            var error = DomainError.forbidden(code: "scope_not_granted", "This API key does not hold the scope \(scope.rawValue)")
            error.parameter = scope.rawValue
            throw error
        }
    }
}

/// Where an override applies.
public enum ParameterScope: String, Codable, Sendable, CaseIterable { case domain, group, user }

/// An override of a parameter for one domain, group or user.
public struct ParameterValue: CompanyScoped, Codable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var scope: ParameterScope
    /// The domain, group or user id, by `scope`.
    public var scopeId: Int64
    public var application: Application
    public var name: String
    public var value: String

    public init(id: Int64? = nil, companyId: Int64, scope: ParameterScope, scopeId: Int64, application: Application, name: String, value: String) {
        self.id = id
        self.companyId = companyId
        self.scope = scope
        self.scopeId = scopeId
        self.application = application
        self.name = name
        self.value = value
    }
}

/// A parameter's value for one user and where it came from.
public struct ResolvedParameter: Sendable, Equatable {
    public enum Source: String, Sendable { case `default`, domain, group, user }
    public var application: Application
    public var name: String
    public var value: String
    public var source: Source
    /// The group that supplied the value, when `source` is `.group`.
    public var groupId: Int64?
    public var expert: Bool
}

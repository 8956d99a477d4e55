/// What a signed-in user learns about themselves: who, where, devices, applications, settings.
public struct UserProfile: Sendable, Equatable {
    public var user: User
    public var domain: CompanyDomain
    public var company: Company
    public var devices: [Device]
    public var applications: [Application]
    /// Resolved parameters of the server and of every authorised application (expert ones included:
    /// clients need them; only the admin UI hides them).
    public var parameters: [ResolvedParameter]
}

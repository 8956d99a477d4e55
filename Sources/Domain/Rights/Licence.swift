/// How many users of a company may be authorised to an application.
///
/// Licences are per company (not per server as in the vendor's dongle file) so that one
/// company's usage is never visible to another; only a super-user sets them.
public struct Licence: CompanyScoped, Codable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var application: Application
    public var available: Int

    public init(id: Int64? = nil, companyId: Int64, application: Application, available: Int) {
        self.id = id
        self.companyId = companyId
        self.application = application
        self.available = available
    }
}

/// One row of the licence table: available, used and free (admin guide 3.3.2).
public struct LicenceUsage: Sendable, Equatable {
    public var application: Application
    public var available: Int
    public var used: Int
    public var free: Int { max(0, available - used) }

    public init(application: Application, available: Int, used: Int) {
        self.application = application
        self.available = available
        self.used = used
    }
}

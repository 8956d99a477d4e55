/// A CSTA link to a PBX (admin guide 3.3.3 and 4.1): where it is, how many devices it may supervise.
public struct PbxLink: CompanyScoped, Codable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    public var host: String
    public var port: Int
    /// Maximum number of devices supervised through this link.
    public var capacity: Int
    public var pbxType: String
    public var pbxDomain: String
    public var username: String
    /// Needed to log in to the PBX, so kept; never returned by the API.
    public var password: String?

    public init(
        id: Int64? = nil,
        companyId: Int64,
        domainId: Int64,
        host: String,
        port: Int,
        capacity: Int,
        pbxType: String,
        pbxDomain: String = "",
        username: String = "",
        password: String? = nil
    ) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.host = host
        self.port = port
        self.capacity = capacity
        self.pbxType = pbxType
        self.pbxDomain = pbxDomain
        self.username = username
        self.password = password
    }
}

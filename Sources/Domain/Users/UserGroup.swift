/// A group of users of one domain, used to grant rights and parameters to many users at once.
public struct UserGroup: CompanyScoped, Codable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    public var name: String

    public init(id: Int64? = nil, companyId: Int64, domainId: Int64, name: String) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.name = name
    }
}

/// Membership of a user in a group (same domain).
public struct GroupMembership: CompanyScoped, Codable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var groupId: Int64
    public var userId: Int64

    public init(id: Int64? = nil, companyId: Int64, groupId: Int64, userId: Int64) {
        self.id = id
        self.companyId = companyId
        self.groupId = groupId
        self.userId = userId
    }
}

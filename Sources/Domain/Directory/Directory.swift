/// A contact directory of a domain. Only what rights need exists yet; connectors and contacts
/// come with the directories issue. Every domain starts with the three built-in directories.
public struct Directory: CompanyScoped, Equatable {
    public enum Kind: String, Codable, Sendable { case draft, `public`, `private` }
    public enum Source: String, Codable, Sendable {
        case twsPublic = "TwsPublic"
        case twsPrivate = "TwsPrivate"
        case twsUsers = "TwsUsers"
        case ldap = "Ldap"
        case sql = "Sql"
        case csv = "Csv"
    }
    public static let table = "directory"
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    public var name: String
    public var kind: Kind
    public var source: Source
    /// Lowest number wins when contacts are merged or looked up.
    public var priority: Int

    public init(id: Int64? = nil, companyId: Int64, domainId: Int64, name: String, kind: Kind, source: Source, priority: Int) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.name = name
        self.kind = kind
        self.source = source
        self.priority = priority
    }

    /// The directories every new domain gets.
    public static func builtIns(companyId: Int64, domainId: Int64) -> [Directory] {
        [
            Directory(companyId: companyId, domainId: domainId, name: "TWS public contacts", kind: .public, source: .twsPublic, priority: 10),
            Directory(companyId: companyId, domainId: domainId, name: "TWS private contacts", kind: .private, source: .twsPrivate, priority: 20),
            Directory(companyId: companyId, domainId: domainId, name: "TWS users", kind: .public, source: .twsUsers, priority: 5),
        ]
    }
}

/// A telephone device of a user, supervised through a PBX link.
public struct Device: CompanyScoped, Codable, Equatable {
    public enum PBXProtocol: String, Codable, Sendable, CaseIterable {
        case csta = "CSTA"
        case sip = "SIP"
        case vtixml = "VTIXML"
    }
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    public var userId: Int64
    public var number: String
    public var pbxProtocol: PBXProtocol
    public var lineCount: Int
    public var video: Bool
    /// Device password (used by VTI-XML); never returned by the API.
    public var password: String?

    public init(
        id: Int64? = nil,
        companyId: Int64,
        domainId: Int64,
        userId: Int64,
        number: String,
        pbxProtocol: PBXProtocol = .csta,
        lineCount: Int = 1,
        video: Bool = false,
        password: String? = nil
    ) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.userId = userId
        self.number = number
        self.pbxProtocol = pbxProtocol
        self.lineCount = lineCount
        self.video = video
        self.password = password
    }
}

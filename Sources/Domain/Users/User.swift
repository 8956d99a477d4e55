/// A user of a domain: the person behind devices, rights and sessions (admin guide 3.3.4).
public struct User: CompanyScoped, Codable, Equatable {
    public static let privateFieldCount = 10
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    public var username: String
    public var firstName: String
    public var lastName: String
    public var email: String
    public var mobile: String
    public var enabled: Bool
    /// bcrypt hash for the TWS authentication method; nil when no password was set.
    public var passwordHash: String?
    public var culture: String
    /// PBX voicemail password: kept because the PBX needs it, never returned by the API.
    public var voicemailPassword: String?
    /// Private fields 0–9 shown in the contact card.
    public var privateFields: [String]
    /// The user import that created this user and keeps it in step (admin guide 7.2); nil for a user created by hand,
    /// which no import ever changes, disables or deletes.
    public var importId: Int64?
    /// The user's key in the import's source (its user name there, lowercased), so a user renamed by hand is still found.
    public var externalId: String?

    public init(
        id: Int64? = nil,
        companyId: Int64,
        domainId: Int64,
        username: String,
        firstName: String = "",
        lastName: String = "",
        email: String = "",
        mobile: String = "",
        enabled: Bool = true,
        passwordHash: String? = nil,
        culture: String = "en-US",
        voicemailPassword: String? = nil,
        privateFields: [String] = Array(repeating: "", count: User.privateFieldCount),
        importId: Int64? = nil,
        externalId: String? = nil
    ) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.username = username
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.mobile = mobile
        self.enabled = enabled
        self.passwordHash = passwordHash
        self.culture = culture
        self.voicemailPassword = voicemailPassword
        self.privateFields = privateFields
        self.importId = importId
        self.externalId = externalId
    }

    /// How colleagues see the user: "First Last", or the username when the user has no name.
    public var displayName: String {
        let name = [firstName, lastName].filter { !$0.isEmpty }.joined(separator: " ")
        return name.isEmpty ? username : name
    }
}


/// An administrator of the server, limited to listed companies unless super-user (admin guide 10.1).
public struct AdminAccount: Codable, Sendable, Equatable {
    public var id: Int64?
    public var username: String
    public var passwordHash: String
    public var superUser: Bool
    public var companyIds: [Int64]
    /// True for the boot account `tws`/`tws` until its password is changed.
    public var mustChangePassword: Bool

    public init(id: Int64? = nil, username: String, passwordHash: String, superUser: Bool, companyIds: [Int64], mustChangePassword: Bool = false) {
        self.id = id
        self.username = username
        self.passwordHash = passwordHash
        self.superUser = superUser
        self.companyIds = companyIds
        self.mustChangePassword = mustChangePassword
    }
}

/// A link that keeps the users of one domain in step with an LDAP or Active Directory source (admin guide 7.2).
///
/// The import is one way only: from the source to TWS. Every user it creates carries its id (`User.importId`), so
/// updates, disables and deletes touch those users only, never users created by hand.
public struct UserImport: CompanyScoped, Codable, Equatable {
    /// The guide's "Import type"; both read LDAP and differ only by the defaults they pre-fill.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case ldap
        case activeDirectory

        /// The search filter pre-filled for a new import of this kind.
        public var defaultFilter: String {
            switch self {
            case .ldap: "(objectClass=inetOrgPerson)"
            case .activeDirectory: "(&(objectCategory=person)(objectClass=user))"
            }
        }
    }

    /// The guide's "Synchro" types: what happens to users of the import that the source no longer lists.
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// Create new users, update existing ones, delete the users the source no longer lists.
        case full
        /// Create and update; users the source no longer lists are disabled instead of deleted.
        case insertUpdateDisable
        /// Create and update; nobody is ever removed.
        case insertUpdate
        /// Update the users this import created earlier; nobody is created or removed.
        case update
    }

    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    /// The guide's "Description".
    public var name: String
    public var kind: Kind
    /// Where to read; its password is never returned (see `redacted`).
    public var connection: LDAPSourceSettings
    public var mode: Mode
    public var fieldMap: UserImportFieldMap
    /// The guide's "Device type": protocol and lines of the device created for each new user.
    public var pbxProtocol: Device.PBXProtocol
    public var lineCount: Int
    /// A group of the same domain every user created by the import joins ("Add in group").
    public var addToGroupId: Int64?
    /// "Customizing the telephone number according to the numbering plan": keep the digits of the source's number
    /// and then only the last `numberingPlanLength` of them, so "+33 1 55 17 18 89" becomes "1889" in a 4-digit plan.
    public var customiseNumber: Bool
    /// The report of the latest run, failed or not; nil before the first run.
    public var lastReport: UserImportReport?

    public init(
        id: Int64? = nil,
        companyId: Int64,
        domainId: Int64,
        name: String,
        kind: Kind,
        connection: LDAPSourceSettings,
        mode: Mode = .full,
        fieldMap: UserImportFieldMap? = nil,
        pbxProtocol: Device.PBXProtocol = .csta,
        lineCount: Int = 1,
        addToGroupId: Int64? = nil,
        customiseNumber: Bool = false,
        lastReport: UserImportReport? = nil
    ) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.name = name
        self.kind = kind
        self.connection = connection
        self.mode = mode
        self.fieldMap = fieldMap ?? .defaults(for: kind)
        self.pbxProtocol = pbxProtocol
        self.lineCount = lineCount
        self.addToGroupId = addToGroupId
        self.customiseNumber = customiseNumber
        self.lastReport = lastReport
    }

    /// The import as answered to an administrator: the bind password blanked.
    public var redacted: UserImport {
        var copy = self
        if case .ldap(let settings) = DirectoryConnection.ldap(connection).redacted { copy.connection = settings }
        return copy
    }
}

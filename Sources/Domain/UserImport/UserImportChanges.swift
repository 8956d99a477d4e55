import Foundation

/// The editable settings of a user import; nil leaves a setting unchanged on update.
public struct UserImportChanges: Sendable {
    /// The guide's "Description".
    public var name: String?
    /// Required on create; changing it later keeps the field map and filter already set.
    public var kind: UserImport.Kind?
    /// Required on create. The password is write-only: on update, `UserImportChanges.passwordPlaceholder` or an empty
    /// password keeps the stored one (the forms send back what they were given); an empty bind DN (anonymous bind)
    /// drops it. An empty filter takes the kind's default.
    public var connection: LDAPSourceSettings?
    public var mode: UserImport.Mode?
    /// On create, nil takes the kind's defaults.
    public var fieldMap: UserImportFieldMap?
    public var pbxProtocol: Device.PBXProtocol?
    public var lineCount: Int?
    /// `.some(nil)` stops adding users to a group; nil leaves the setting as it is.
    public var addToGroupId: Int64??
    public var customiseNumber: Bool?

    /// What a redacted password reads as (`DirectoryConnection.redacted`).
    public static let passwordPlaceholder = "********"

    public init(
        name: String? = nil,
        kind: UserImport.Kind? = nil,
        connection: LDAPSourceSettings? = nil,
        mode: UserImport.Mode? = nil,
        fieldMap: UserImportFieldMap? = nil,
        pbxProtocol: Device.PBXProtocol? = nil,
        lineCount: Int? = nil,
        addToGroupId: Int64?? = nil,
        customiseNumber: Bool? = nil
    ) {
        self.name = name
        self.kind = kind
        self.connection = connection
        self.mode = mode
        self.fieldMap = fieldMap
        self.pbxProtocol = pbxProtocol
        self.lineCount = lineCount
        self.addToGroupId = addToGroupId
        self.customiseNumber = customiseNumber
    }

    /// Applies and checks everything but the group, which needs the store.
    func apply(to userImport: inout UserImport) throws(DomainError) {
        if let name { userImport.name = try Check.name(name, field: "name") }
        if let kind { userImport.kind = kind }
        if let connection { userImport.connection = try Self.checked(connection, keeping: userImport.connection.password, kind: userImport.kind) }
        if let mode { userImport.mode = mode }
        if let fieldMap { userImport.fieldMap = try fieldMap.checked() }
        if let pbxProtocol { userImport.pbxProtocol = pbxProtocol }
        if let lineCount {
            try Check.range(lineCount, 1...64, field: "lineCount")
            userImport.lineCount = lineCount
        }
        if let addToGroupId { userImport.addToGroupId = addToGroupId }
        if let customiseNumber { userImport.customiseNumber = customiseNumber }
    }

    /// The settings checked field by field (`connection.host`, …), with the stored password kept where the client sent
    /// the placeholder or nothing.
    static func checked(
        _ settings: LDAPSourceSettings,
        keeping storedPassword: String,
        kind: UserImport.Kind
    ) throws(DomainError)
        -> LDAPSourceSettings
    {
        var settings = try settings.checked()
        if settings.bindDN.isEmpty {
            settings.password = ""
        } else if settings.password.isEmpty || settings.password == passwordPlaceholder {
            settings.password = storedPassword
        }
        if settings.filter.isEmpty { settings.filter = kind.defaultFilter }
        return settings
    }
}

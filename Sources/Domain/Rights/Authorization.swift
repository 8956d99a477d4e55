/// What an authorization gives access to (admin guide 7.4).
public enum AuthorizationObjectType: String, Codable, Sendable, CaseIterable {
    case application, directory, calendar, intercomGroup, phoneQueue, callLog, statistics

    /// Calendar, call-log and statistics rights name a user or group whose data may be seen
    /// (admin guide 7.4: "select the user who will have the rights to Statistics/Records of other users").
    public var objectIsPeople: Bool { self == .calendar || self == .callLog || self == .statistics }
}

/// Who receives an authorization. Intercom groups and phone queues may only hold directory rights.
public enum GranteeType: String, Codable, Sendable, CaseIterable {
    case user, group, intercomGroup, phoneQueue
}

/// The kind of object named by `objectId` for people-type rights (calendar, call log, statistics).
public enum PeopleKind: String, Codable, Sendable { case user, group }

/// A right given to a user or group (or, for directories, an intercom group or phone queue).
/// Grantee and object may be in different domains of the same company, never of two companies.
public struct Authorization: CompanyScoped, Codable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var objectType: AuthorizationObjectType
    /// Set when `objectType` is `.application`.
    public var application: Application?
    /// The directory, intercom group, phone queue, or (people rights) user or group id.
    public var objectId: Int64?
    /// For people rights: whether `objectId` is a user or a group.
    public var objectKind: PeopleKind?
    public var granteeType: GranteeType
    public var granteeId: Int64

    public init(
        id: Int64? = nil,
        companyId: Int64,
        objectType: AuthorizationObjectType,
        application: Application? = nil,
        objectId: Int64? = nil,
        objectKind: PeopleKind? = nil,
        granteeType: GranteeType,
        granteeId: Int64
    ) {
        self.id = id
        self.companyId = companyId
        self.objectType = objectType
        self.application = application
        self.objectId = objectId
        self.objectKind = objectKind
        self.granteeType = granteeType
        self.granteeId = granteeId
    }
}

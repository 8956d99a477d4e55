import Domain
import GRDB

extension Authorization: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "authorization"
    public enum Columns {
        static let id = Column("id")
        static let companyId = Column("companyId")
        static let granteeType = Column("granteeType")
        static let granteeId = Column("granteeId")
        static let objectType = Column("objectType")
        static let objectId = Column("objectId")
        static let application = Column("application")
    }
}

extension Licence: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "licence"
    public enum Columns {
        static let id = Column("id")
        static let companyId = Column("companyId")
        static let application = Column("application")
    }
}

extension GRDBTransaction: RightsRecords {
    public func authorization(id: Int64) throws -> Authorization? { try record(id: id) }
    public func insert(_ record: Authorization) throws -> Authorization { try inserted(record) }
    public func update(_ record: Authorization) throws { try updated(record) }
    public func deleteAuthorization(id: Int64) throws -> Bool { try deleted(Authorization.self, id: id) }

    public func licence(id: Int64) throws -> Licence? { try record(id: id) }
    public func insert(_ record: Licence) throws -> Licence { try inserted(record) }
    public func update(_ record: Licence) throws { try updated(record) }
    public func deleteLicence(id: Int64) throws -> Bool { try deleted(Licence.self, id: id) }

    public func authorizations(companyId: Int64, objectTypes: [AuthorizationObjectType]) throws -> [Authorization] {
        typealias Columns = Authorization.Columns
        return try cachedAll(
            "SELECT * FROM \(Authorization.self) WHERE \(Columns.companyId) = \(companyId) AND \(Columns.objectType.among(objectTypes.map(\.rawValue))) ORDER BY \(Columns.id)"
        )
    }

    public func authorizations(companyId: Int64) throws -> [Authorization] {
        try all(Authorization.filter(Authorization.Columns.companyId == companyId).order(Authorization.Columns.id))
    }

    public func authorizations(granteeType: GranteeType, granteeId: Int64) throws -> [Authorization] {
        typealias Columns = Authorization.Columns
        return try all(Authorization.filter(Columns.granteeType == granteeType.rawValue && Columns.granteeId == granteeId).order(Columns.id))
    }

    public func applicationGrants(companyId: Int64, application: Application) throws -> [Authorization] {
        typealias Columns = Authorization.Columns
        return try all(
            Authorization.filter(
                Columns.companyId == companyId && Columns.objectType == AuthorizationObjectType.application.rawValue
                    && Columns.application == application.rawValue
            ).order(Columns.id)
        )
    }

    public func authorizations(
        companyId: Int64, objectType: AuthorizationObjectType?, granteeType: GranteeType?, granteeId: Int64?, _ page: PageRequest
    ) throws -> Page<Authorization> {
        typealias Columns = Authorization.Columns
        var request = Authorization.filter(Columns.companyId == companyId)
        if let objectType { request = request.filter(Columns.objectType == objectType.rawValue) }
        if let granteeType { request = request.filter(Columns.granteeType == granteeType.rawValue) }
        if let granteeId { request = request.filter(Columns.granteeId == granteeId) }
        return try self.page(request.order(Columns.id), page, searching: [])
    }

    public func licence(companyId: Int64, application: Application) throws -> Licence? {
        try first(Licence.filter(Licence.Columns.companyId == companyId && Licence.Columns.application == application.rawValue))
    }
}

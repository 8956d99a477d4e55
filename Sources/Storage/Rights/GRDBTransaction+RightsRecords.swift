import Domain
import GRDB

extension Authorization: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "authorization"
}

extension Licence: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "licence"
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
}

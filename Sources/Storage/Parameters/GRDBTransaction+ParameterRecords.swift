import Domain
import GRDB

extension ParameterValue: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "parameter_value"
}

extension GRDBTransaction: ParameterRecords {
    public func parameterValue(id: Int64) throws -> ParameterValue? { try record(id: id) }
    public func insert(_ record: ParameterValue) throws -> ParameterValue { try inserted(record) }
    public func update(_ record: ParameterValue) throws { try updated(record) }
    public func deleteParameterValue(id: Int64) throws -> Bool { try deleted(ParameterValue.self, id: id) }
}

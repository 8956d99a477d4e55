import Domain
import GRDB

extension ParameterValue: FetchableRecord, MutablePersistableRecord, StorageRecord {
    public static let databaseTableName = "parameter_value"
    public enum Columns {
        static let id = Column("id")
        static let companyId = Column("companyId")
        static let scope = Column("scope")
        static let scopeId = Column("scopeId")
        static let application = Column("application")
        static let name = Column("name")
    }
}

extension GRDBTransaction: ParameterRecords {
    public func parameterValue(id: Int64) throws -> ParameterValue? { try record(id: id) }
    public func insert(_ record: ParameterValue) throws -> ParameterValue { try inserted(record) }
    public func update(_ record: ParameterValue) throws { try updated(record) }
    public func deleteParameterValue(id: Int64) throws -> Bool { try deleted(ParameterValue.self, id: id) }

    public func parameterValues(scope: ParameterScope, scopeId: Int64) throws -> [ParameterValue] {
        typealias Columns = ParameterValue.Columns
        return try all(
            ParameterValue.filter(Columns.scope == scope.rawValue && Columns.scopeId == scopeId).order(Columns.application.caseless, Columns.name.caseless)
        )
    }

    public func parameterValue(scope: ParameterScope, scopeId: Int64, application: Application, name: String) throws -> ParameterValue? {
        typealias Columns = ParameterValue.Columns
        return try first(
            ParameterValue.filter(
                Columns.scope == scope.rawValue && Columns.scopeId == scopeId && Columns.application == application.rawValue && Columns.name == name
            )
        )
    }

    public func parameterValues(application: Application, name: String) throws -> [ParameterValue] {
        typealias Columns = ParameterValue.Columns
        return try all(ParameterValue.filter(Columns.application == application.rawValue && Columns.name == name).order(Columns.id))
    }

    public func parameterValues(companyId: Int64, applications: Set<Application>) throws -> [ParameterValue] {
        typealias Columns = ParameterValue.Columns
        let applications = applications.map(\.rawValue).sorted()
        return try cachedAll(
            "SELECT * FROM \(ParameterValue.self) WHERE \(Columns.companyId) = \(companyId) AND \(Columns.application.among(applications)) ORDER BY \(Columns.id)"
        )
    }

    public func parameterValues(companyId: Int64) throws -> [ParameterValue] {
        try all(ParameterValue.filter(ParameterValue.Columns.companyId == companyId).order(ParameterValue.Columns.id))
    }
}

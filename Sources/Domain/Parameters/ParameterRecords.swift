/// Parameter values set for a domain, a group or a user (admin guide 9). Storage implements it; a Domain test may use an in-memory one.
public protocol ParameterRecords {
    func parameterValue(id: Int64) throws -> ParameterValue?
    /// Inserts and answers the record with its new id.
    func insert(_ record: ParameterValue) throws -> ParameterValue
    func update(_ record: ParameterValue) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteParameterValue(id: Int64) throws -> Bool

    /// The values set at one scope (a domain, group or user), by application and name.
    func parameterValues(scope: ParameterScope, scopeId: Int64) throws -> [ParameterValue]
    /// The one value of a parameter set at a scope, if any.
    func parameterValue(scope: ParameterScope, scopeId: Int64, application: Application, name: String) throws -> ParameterValue?
    /// The values of one parameter, at every scope of every company.
    func parameterValues(application: Application, name: String) throws -> [ParameterValue]
    /// A company's values of these applications' parameters, at every scope.
    func parameterValues(companyId: Int64, applications: Set<Application>) throws -> [ParameterValue]
    /// Every value set in a company.
    func parameterValues(companyId: Int64) throws -> [ParameterValue]
}

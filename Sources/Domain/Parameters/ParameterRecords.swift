/// Parameter values set for a domain, a group or a user (admin guide 9). Storage implements it; a Domain test may use an in-memory one.
public protocol ParameterRecords {
    func parameterValue(id: Int64) throws -> ParameterValue?
    /// Inserts and answers the record with its new id.
    func insert(_ record: ParameterValue) throws -> ParameterValue
    func update(_ record: ParameterValue) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteParameterValue(id: Int64) throws -> Bool
}

/// Application authorizations and licences (admin guide 7). Storage implements it; a Domain test may use an in-memory one.
public protocol RightsRecords {
    func authorization(id: Int64) throws -> Authorization?
    /// Inserts and answers the record with its new id.
    func insert(_ record: Authorization) throws -> Authorization
    func update(_ record: Authorization) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteAuthorization(id: Int64) throws -> Bool

    func licence(id: Int64) throws -> Licence?
    /// Inserts and answers the record with its new id.
    func insert(_ record: Licence) throws -> Licence
    func update(_ record: Licence) throws
    /// False when there was nothing to delete.
    @discardableResult func deleteLicence(id: Int64) throws -> Bool

    /// A company's authorizations on one kind of object (applications, directories, call logs, …).
    func authorizations(companyId: Int64, objectTypes: [AuthorizationObjectType]) throws -> [Authorization]
    /// Every authorization of a company.
    func authorizations(companyId: Int64) throws -> [Authorization]
    /// The authorizations held by one user or group.
    func authorizations(granteeType: GranteeType, granteeId: Int64) throws -> [Authorization]
    /// Who holds an application in a company (users and groups).
    func applicationGrants(companyId: Int64, application: Application) throws -> [Authorization]
    /// A page of a company's authorizations in id order, narrowed by object type and grantee when given (the page's
    /// search text is not used: an authorization has no text).
    func authorizations(
        companyId: Int64, objectType: AuthorizationObjectType?, granteeType: GranteeType?, granteeId: Int64?, _ page: PageRequest
    ) throws -> Page<Authorization>
    func licence(companyId: Int64, application: Application) throws -> Licence?
}

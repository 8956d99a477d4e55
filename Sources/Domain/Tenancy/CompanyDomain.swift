/// A domain of a company: users sharing one technical environment (one PBX, one mail server).
///
/// Named `CompanyDomain` because `Domain` is this module's name.
public struct CompanyDomain: CompanyScoped, Codable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var name: String
    /// The longest internal number of the domain (admin guide 3.1, "numbering map length").
    public var numberingPlanLength: Int

    public init(id: Int64? = nil, companyId: Int64, name: String, numberingPlanLength: Int) {
        self.id = id
        self.companyId = companyId
        self.name = name
        self.numberingPlanLength = numberingPlanLength
    }
}

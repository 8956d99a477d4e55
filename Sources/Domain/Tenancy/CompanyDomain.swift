import Foundation

/// A domain of a company: users sharing one technical environment (one PBX, one mail server).
///
/// Named `CompanyDomain` because `Domain` is this module's name.
public struct CompanyDomain: CompanyScoped, Codable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var name: String
    /// The longest internal number of the domain (admin guide 3.1, "numbering map length").
    public var numberingPlanLength: Int
    /// IANA name of the domain's time zone: forwarding rules' schedules are read in it.
    public var timeZone: String

    public init(id: Int64? = nil, companyId: Int64, name: String, numberingPlanLength: Int, timeZone: String = "UTC") {
        self.id = id
        self.companyId = companyId
        self.name = name
        self.numberingPlanLength = numberingPlanLength
        self.timeZone = timeZone
    }

    /// The time zone, or UTC should the stored name no longer be known to this system.
    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")! }

    /// `name` when the system knows it as a time zone; 422 `unknown_time_zone` otherwise.
    public static func checkTimeZone(_ name: String) throws(DomainError) -> String {
        guard name.count <= 64, TimeZone(identifier: name) != nil else {
            throw DomainError(.unprocessable, code: "unknown_time_zone", "\(name) is not a time zone this server knows (an IANA name such as Europe/Paris)", field: "timeZone")
        }
        return name
    }
}

/// A domain's dialing plan (admin guide 5): the global settings and the rules; nil rules mean the standard rules.
public struct DialingPlanSettings: CompanyScoped, Codable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    public var internationalPrefix: String
    public var localCountryPrefix: String
    public var externalPrefix: String
    /// Digits added in front of a dialled number.
    public var add: String
    /// Count of leading digits removed from a dialled number.
    public var remove: Int
    /// Length of internal numbers (dialled as is).
    public var internalLength: Int
    /// Incoming numbers of this length or less are internal.
    public var internalReverseLength: Int
    /// The rules, tried by ascending priority; nil until an admin sets some, meaning `DialingRule.standardRules()`.
    public var rules: [DialingRule]?

    public init(
        id: Int64? = nil,
        companyId: Int64,
        domainId: Int64,
        internationalPrefix: String = "00",
        localCountryPrefix: String = "33",
        externalPrefix: String = "0",
        add: String = "",
        remove: Int = 0,
        internalLength: Int = 4,
        internalReverseLength: Int = 4,
        rules: [DialingRule]? = nil
    ) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.internationalPrefix = internationalPrefix
        self.localCountryPrefix = localCountryPrefix
        self.externalPrefix = externalPrefix
        self.add = add
        self.remove = remove
        self.internalLength = internalLength
        self.internalReverseLength = internalReverseLength
        self.rules = rules
    }
}

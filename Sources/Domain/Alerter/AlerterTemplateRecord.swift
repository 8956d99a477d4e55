import Foundation

/// An Alerter card template stored for a domain (admin guide 9.2.1: the files of `TWS_Config\TWS_Alerter\`), by name.
/// The text is kept as uploaded, after it passed `AlerterTemplate.parse`.
public struct AlerterTemplateRecord: CompanyScoped, Codable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    public var name: String
    public var xml: String
    public var updatedAt: Date

    public init(id: Int64? = nil, companyId: Int64, domainId: Int64, name: String, xml: String, updatedAt: Date) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.name = name
        self.xml = xml
        self.updatedAt = updatedAt
    }
}

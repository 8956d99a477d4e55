import Crypto
import Foundation

/// A contact field of the server's directory model (admin guide 8.1 "Fields tab").
public enum ContactField: String, Codable, Sendable, CaseIterable {
    case id, lastName, firstName, company, picture
    case assistantPhone, assistantRedList
    case standardPhone, standardRedList
    case professionalPhone, professionalRedList
    case mobilePhone, mobileRedList
    case personalPhone, personalRedList
    case mail1, mail2, url
    case private0, private1, private2, private3, private4, private5, private6, private7, private8, private9

    /// The private fields 0–9, in order.
    public static let privateFields: [ContactField] = [
        .private0, .private1, .private2, .private3, .private4, .private5, .private6, .private7, .private8, .private9,
    ]

    /// The private field `index` (0–9).
    public static func privateField(_ index: Int) -> ContactField { privateFields[index] }

    /// For a private field, its index.
    public var privateIndex: Int? {
        guard rawValue.hasPrefix("private"), let index = Int(rawValue.dropFirst("private".count)) else { return nil }
        return index
    }
}

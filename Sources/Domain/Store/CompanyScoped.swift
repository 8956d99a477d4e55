import Foundation

/// A record that belongs to exactly one company: what an administrator of other companies never sees.
public protocol CompanyScoped: Sendable {
    var companyId: Int64 { get }
}

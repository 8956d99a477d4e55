import Foundation

/// A user's chosen status (the TWS presence), one row per user.
public struct UserPresence: CompanyScoped, Codable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    public var userId: Int64
    public var status: UserPresenceStatus
    public var message: String?
    public var updatedAt: Date

    public init(id: Int64? = nil, companyId: Int64, domainId: Int64, userId: Int64, status: UserPresenceStatus, message: String?, updatedAt: Date) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.userId = userId
        self.status = status
        self.message = message
        self.updatedAt = updatedAt
    }
}

import Foundation

public struct UserPresencePayload: Codable, Sendable, Equatable {
    public var userId: Int64
    public var status: UserPresenceStatus
    public var message: String?

    public init(userId: Int64, status: UserPresenceStatus, message: String? = nil) {
        self.userId = userId
        self.status = status
        self.message = message
    }
}

import Foundation

/// A callback request changed status (`callback` push event to the group's members, and `callback` webhook).
public struct CallbackEventPayload: Codable, Sendable, Equatable {
    public var id: String
    public var groupId: Int64
    public var group: String
    public var status: CallbackStatus
    public var reason: CallbackReason?
    public var number: String
    public var name: String?
    public var agentDevice: String?
    public var attempts: Int
    public var dueAt: Date

    public init(_ request: CallbackRequest, groupName: String) {
        id = request.id
        groupId = request.groupId
        group = groupName
        status = request.status
        reason = request.reason
        number = request.number
        name = request.name
        agentDevice = request.agentDevice
        attempts = request.attempts
        dueAt = request.dueAt
    }
}

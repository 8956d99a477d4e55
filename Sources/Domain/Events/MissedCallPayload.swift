import Foundation

/// An incoming call nobody answered at a device of an intercom group the receiver supervises.
public struct MissedCallPayload: Codable, Sendable, Equatable {
    public var callId: String
    public var device: String
    /// The device's owner, when it has one.
    public var userId: Int64?
    public var callerNumber: String?
    public var callerName: String?
    public var startedAt: Date

    public init(callId: String, device: String, userId: Int64? = nil, callerNumber: String? = nil, callerName: String? = nil, startedAt: Date) {
        self.callId = callId
        self.device = device
        self.userId = userId
        self.callerNumber = callerNumber
        self.callerName = callerName
        self.startedAt = startedAt
    }
}

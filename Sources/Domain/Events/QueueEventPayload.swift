import Foundation

/// A call joined, left, was taken from or abandoned a shared phone queue (admin guide 9.2.2); `waiting` and
/// `longestWaitSeconds` describe the queue after the change.
public struct QueueEventPayload: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable {
        case joined, answered, taken, diverted, abandoned, left
    }

    public var queueId: Int64
    public var queueName: String
    public var action: Action
    public var callId: String
    public var callerNumber: String?
    public var callerName: String?
    /// answered, taken: the agent's device; diverted: the destination.
    public var device: String?
    public var waiting: Int
    public var longestWaitSeconds: Int

    public init(
        queueId: Int64,
        queueName: String,
        action: Action,
        callId: String,
        callerNumber: String? = nil,
        callerName: String? = nil,
        device: String? = nil,
        waiting: Int,
        longestWaitSeconds: Int
    ) {
        self.queueId = queueId
        self.queueName = queueName
        self.action = action
        self.callId = callId
        self.callerNumber = callerNumber
        self.callerName = callerName
        self.device = device
        self.waiting = waiting
        self.longestWaitSeconds = longestWaitSeconds
    }
}

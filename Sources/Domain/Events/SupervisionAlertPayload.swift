import Foundation

/// A phone queue crossed one of its thresholds (`raised`) or came back under it (`cleared`).
public struct SupervisionAlertPayload: Codable, Sendable, Equatable {
    public enum Metric: String, Codable, Sendable {
        case waitingCalls, longestWait
    }
    public enum State: String, Codable, Sendable {
        case raised, cleared
    }

    public var queueId: Int64
    public var queueName: String
    public var domainId: Int64
    public var metric: Metric
    public var state: State
    public var threshold: Int
    public var value: Int

    public init(queueId: Int64, queueName: String, domainId: Int64, metric: Metric, state: State, threshold: Int, value: Int) {
        self.queueId = queueId
        self.queueName = queueName
        self.domainId = domainId
        self.metric = metric
        self.state = state
        self.threshold = threshold
        self.value = value
    }
}

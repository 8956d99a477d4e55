import Foundation

/// A forwarding rule acted on a call (the `rule_applied` push event, to the rule's user).
public struct RuleAppliedPayload: Codable, Sendable, Equatable {
    /// What happened; the contract's `RuleAppliedPayload.outcome`.
    public enum Outcome: String, Codable, Sendable, CaseIterable {
        /// The call was deflected to `destination`.
        case forwarded
        /// Following the forward would have come back where it started within CIRCULARLEVEL forwards: nothing was done.
        case loopPrevented = "loop_prevented"
        /// The PBX refused the forward (`reason`).
        case failed
        /// The destination did not answer in time, was busy or invalid (TRANSFERVERIFICATION).
        case notAnswered = "not_answered"
        /// The call was offered to EMERGENCYNUMBER (`attempt` of EMERGENCYNUMBERCALLTIMES).
        case emergency
        /// The verified destination answered.
        case answered
    }

    public var ruleId: Int64?
    public var ruleName: String?
    public var callId: String
    public var device: String
    public var callerNumber: String?
    public var type: ForwardingKind?
    public var destination: String?
    public var outcome: Outcome
    public var attempt: Int?
    /// The devices of a loop that was prevented.
    public var chain: [String]?
    public var reason: String?

    public init(
        ruleId: Int64? = nil,
        ruleName: String? = nil,
        callId: String,
        device: String,
        callerNumber: String? = nil,
        type: ForwardingKind? = nil,
        destination: String? = nil,
        outcome: Outcome,
        attempt: Int? = nil,
        chain: [String]? = nil,
        reason: String? = nil
    ) {
        self.ruleId = ruleId
        self.ruleName = ruleName
        self.callId = callId
        self.device = device
        self.callerNumber = callerNumber
        self.type = type
        self.destination = destination
        self.outcome = outcome
        self.attempt = attempt
        self.chain = chain
        self.reason = reason
    }
}

import Foundation

/// What the server decided for one call at one device by a user's rules (admin guide 9.6), kept so that a restart
/// neither forgets a no-answer timer nor forwards a call twice, and so that the device's call log can say which rule
/// forwarded the call away.
public struct RuleExecution: Codable, Sendable, Equatable {
    /// Where the decision stands.
    public enum Stage: String, Codable, Sendable, CaseIterable {
        /// A no-answer rule fired: the call is forwarded at `deadline` if it still rings at the device then.
        case waitingNoAnswer = "waiting_no_answer"
        /// The call was deflected to `destination`.
        case forwarded
        /// Forwarding would have closed a loop within CIRCULARLEVEL forwards (`chain`): nothing was done.
        case loopPrevented = "loop_prevented"
        /// The PBX refused the deflection, or the destination could not be dialled.
        case failed
        /// The call stopped ringing (answered, cleared, taken elsewhere) before the no-answer timer fired.
        case cancelled
    }

    public var id: Int64?
    public var domainId: Int64
    public var callId: String
    /// The device the call was delivered to.
    public var device: String
    /// The user whose rules ran (the device's owner).
    public var userId: Int64
    public var ruleId: Int64?
    public var ruleName: String
    public var type: ForwardingKind
    public var stage: Stage
    /// For `waitingNoAnswer`: when the timer fires.
    public var deadline: Date?
    /// The number the call is (or was to be) forwarded to, after the dialing plan.
    public var destination: String?
    /// The devices the call went through by rules, this one last (and, for a prevented loop, the device it would have
    /// gone back to).
    public var chain: [String]
    /// The caller's number as the event showed it.
    public var callerNumber: String?
    /// The PBX's reason for a failure.
    public var reason: String?
    public var createdAt: Date

    public init(
        id: Int64? = nil,
        domainId: Int64,
        callId: String,
        device: String,
        userId: Int64,
        ruleId: Int64?,
        ruleName: String,
        type: ForwardingKind,
        stage: Stage,
        deadline: Date? = nil,
        destination: String? = nil,
        chain: [String] = [],
        callerNumber: String? = nil,
        reason: String? = nil,
        createdAt: Date
    ) {
        self.id = id
        self.domainId = domainId
        self.callId = callId
        self.device = device
        self.userId = userId
        self.ruleId = ruleId
        self.ruleName = ruleName
        self.type = type
        self.stage = stage
        self.deadline = deadline
        self.destination = destination
        self.chain = chain
        self.callerNumber = callerNumber
        self.reason = reason
        self.createdAt = createdAt
    }
}

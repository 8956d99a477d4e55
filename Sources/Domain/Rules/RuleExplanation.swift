import Foundation

/// What a user's rules would do with a call (the explain endpoint): which rule fires, why each earlier one did not,
/// and where the call ends after following colleagues' rules and PBX forwards. Nothing is forwarded.
public struct RuleExplanation: Sendable, Equatable {
    public enum Decision: String, Sendable, Equatable {
        /// Nothing forwards the call: it rings at the device.
        case ring
        case forward
        /// Following the forward comes back where the call started within CIRCULARLEVEL forwards: nothing is forwarded.
        case loop
    }

    /// Who sends the call on from a device.
    public enum Via: String, Sendable, Equatable {
        /// A rule the server runs.
        case rule
        /// A forward of the PBX (a simple rule applied there, or one set on the telephone).
        case pbx
    }

    /// One rule as the evaluation met it.
    public struct Step: Sendable, Equatable {
        public var ruleId: Int64
        public var name: String
        public var fired: Bool
        /// The condition that failed (skipped rules).
        public var condition: RuleEvaluator.Condition?
        public var reason: String

        public init(ruleId: Int64, name: String, fired: Bool, condition: RuleEvaluator.Condition? = nil, reason: String) {
            self.ruleId = ruleId
            self.name = name
            self.fired = fired
            self.condition = condition
            self.reason = reason
        }

        init(_ step: RuleEvaluator.Step) {
            self.init(ruleId: step.rule.id ?? 0, name: step.rule.name, fired: step.failed == nil, condition: step.failed, reason: step.reason)
        }
    }

    /// One device the call reaches, and what sends it on from there (nothing for the last one).
    public struct Hop: Sendable, Equatable {
        public var device: String
        public var userId: Int64?
        public var userName: String?
        public var ruleId: Int64?
        public var ruleName: String?
        public var via: Via?
        public var type: ForwardingKind?

        public init(
            device: String,
            userId: Int64? = nil,
            userName: String? = nil,
            ruleId: Int64? = nil,
            ruleName: String? = nil,
            via: Via? = nil,
            type: ForwardingKind? = nil
        ) {
            self.device = device
            self.userId = userId
            self.userName = userName
            self.ruleId = ruleId
            self.ruleName = ruleName
            self.via = via
            self.type = type
        }
    }

    /// The inputs the evaluation used, current values filled in.
    public struct Context: Sendable, Equatable {
        /// The caller's number after the reverse dialing plan.
        public var callerNumber: String
        public var callerIsInternal: Bool
        public var callerName: String?
        public var vip: Bool
        public var time: Date
        /// The domain's time zone identifier, which schedules are read in.
        public var timeZone: String
        public var presence: RulePresence
        public var deviceBusy: Bool
        public var device: String
    }

    public var decision: Decision
    /// The rule that fires at the called device (also for a PBX forward that a simple rule is).
    public var rule: Step?
    public var type: ForwardingKind?
    /// How long the call rings first, for a no-answer forward (WAITTIMENOREPLY, or WAITTIMENOREPLYPBX for the PBX's).
    public var waitSeconds: Int?
    /// The number the first forward dials (after the dialing plan).
    public var destination: String?
    /// Every rule tried at the called device, in order.
    public var steps: [Step]
    /// The called device, then each device the call is sent to; an outside number ends it.
    public var chain: [Hop]
    /// Where the call ends: the last device or outside number (nil for a loop).
    public var finalDestination: String?
    public var context: Context
}

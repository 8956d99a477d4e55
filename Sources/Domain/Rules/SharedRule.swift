/// A colleague's first active rule as `AuthorizeShareRulesGroup` shows it (admin guide 9.1.7): who, and where their
/// calls go, nothing else.
public struct SharedRule: Sendable, Equatable {
    /// The rule, reduced to what a secretary needs.
    public struct Summary: Sendable, Equatable {
        public var name: String
        public var type: ForwardingKind
        /// The number calls go to: a number as typed, a colleague's first device, the voicemail number.
        public var destination: String?
        /// A colleague destination's display name.
        public var destinationName: String?

        public init(name: String, type: ForwardingKind, destination: String? = nil, destinationName: String? = nil) {
            self.name = name
            self.type = type
            self.destination = destination
            self.destinationName = destinationName
        }
    }

    public var userId: Int64
    public var userName: String
    public var displayName: String
    /// Nil when the user has no active rule.
    public var rule: Summary?

    public init(userId: Int64, userName: String, displayName: String, rule: Summary?) {
        self.userId = userId
        self.userName = userName
        self.displayName = displayName
        self.rule = rule
    }
}

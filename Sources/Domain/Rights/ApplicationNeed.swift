/// The applications a user-facing operation needs: holding any one of them suffices (issue 19, "application rights
/// enforced where they are used"). The table of which operation needs what is `x-tws-application` in the contract.
public struct ApplicationNeed: Sendable, Hashable, CustomStringConvertible {
    public let applications: Set<Application>

    public init(_ applications: Application...) {
        self.applications = Set(applications)
    }

    /// Call control, telephony state, devices' forwarding and do-not-disturb, call logs, directory search and
    /// lookup, private contacts and lists, presence: what the Caller desktop application and Toolkit integrations do.
    public static let telephony = ApplicationNeed(.caller, .toolkit)
    /// Alerter cards and templates, phone queues (admin guide 3.3.2: TWS Alerter).
    public static let alerter = ApplicationNeed(.alerter)
    /// Simple forwarding rules: Caller and Toolkit users set them as well as Rules users.
    public static let simpleRules = ApplicationNeed(.caller, .toolkit, .rules)
    /// Advanced rules (conditions, schedules): TWS Rules only.
    public static let advancedRules = ApplicationNeed(.rules)
    /// Call-me-back requests (TWS Portal).
    public static let callbacks = ApplicationNeed(.portal)
    /// One's own statistics: TWS Stats, or TWS Stats Admin, which also shows others' (admin guide 9.4.1, 9.4.2).
    public static let statistics = ApplicationNeed(.stats, .statsAdmin)

    /// "TWS Caller or TWS Toolkit", in a stable order, for error messages.
    public var description: String {
        Application.allCases.filter(applications.contains).map(\.displayName).joined(separator: " or ")
    }
}

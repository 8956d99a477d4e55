/// The applications of the server, each with its own licence count (admin guide 3.3.2).
public enum Application: String, Codable, Sendable, CaseIterable {
    case twsServer = "TwsServer"
    case caller = "Caller"
    case alerter = "Alerter"
    case softphone = "Softphone"
    case stats = "Stats"
    case statsAdmin = "StatsAdmin"
    case rules = "Rules"
    case mail = "Mail"
    case recorder = "Recorder"
    case portal = "Portal"
    case toolkit = "Toolkit"
    case toolkitRuntime = "ToolkitRuntime"
    case openCall = "OpenCall"
    case videoShare = "VideoShare"
    case rccGateway = "RccGateway"
    case smartAttendant = "SmartAttendant"
    /// Not an application users run: holds server-wide settings such as call-log retention.
    case system = "System"

    /// The name shown in licence and parameter lists.
    public var displayName: String {
        switch self {
        case .twsServer: "TWS Server"
        case .caller: "TWS Caller"
        case .alerter: "TWS Alerter"
        case .softphone: "TWS Softphone"
        case .stats: "TWS Stats"
        case .statsAdmin: "TWS Stats Admin"
        case .rules: "TWS Rules"
        case .mail: "TWS Mail"
        case .recorder: "TWS Recorder"
        case .portal: "TWS Portal"
        case .toolkit: "TWS Toolkit"
        case .toolkitRuntime: "TWS Toolkit Runtime"
        case .openCall: "TWS OpenCall"
        case .videoShare: "TWS VideoShare"
        case .rccGateway: "TWS RCC Gateway"
        case .smartAttendant: "TWS Smart Attendant"
        case .system: "System settings"
        }
    }

    /// Whether authorising this application consumes a licence. The server itself and the
    /// system settings are not granted to users.
    public var isLicensed: Bool { self != .twsServer && self != .system }

    public static var licensed: [Application] { allCases.filter(\.isLicensed) }
}

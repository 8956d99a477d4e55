import Foundation

/// The Caller and TWS Rules parameters the rules machinery reads for one user (admin guide 9.1.4 `vmNumber`, 9.1.8
/// `DisplaySimpleRules`, 9.6.2 `CIRCULARLEVEL`, `CreateOnlyRUL`, `TRANSFERVERIFICATION`, `EMERGENCYNUMBER`,
/// `EMERGENCYNUMBERCALLTIMES`, `WAITTIMENOREPLY`, `WAITTIMENOREPLYPBX`, 9.5 `ResourceDevice`), resolved once per user.
/// Shared by simple-rule sync, forward verification, the loop check and explain.
struct RuleParameters: Sendable, Equatable {
    /// Forwards a chain may hold before coming back where it started (0: no check).
    var circularLevel: Int
    /// The server runs simple rules too; nothing is applied in the PBX.
    var createOnly: Bool
    /// Forwards set on the telephone show up as simple rules.
    var displaySimpleRules: Bool
    var voicemail: String
    var verification: Bool
    var emergencyNumber: String
    var emergencyTimes: Int
    var waitNoReply: Int
    var waitNoReplyPBX: Int
    var resourceDevice: String

    static let names: Set<String> = [
        "vmNumber", "DisplaySimpleRules", "CIRCULARLEVEL", "CreateOnlyRUL", "TRANSFERVERIFICATION", "EMERGENCYNUMBER",
        "EMERGENCYNUMBERCALLTIMES", "WAITTIMENOREPLY", "WAITTIMENOREPLYPBX", "ResourceDevice",
    ]

    init(user: User, _ tx: any StoreTransaction) throws {
        let definitions = ParameterCatalogue.all.filter {
            Self.names.contains($0.name) && ($0.application == .caller || $0.application == .rules)
        }
        let values = try ParameterResolver().resolve(definitions, for: user, in: tx)
        func value(_ name: String) -> String { values.first { $0.name == name }?.value ?? "" }
        circularLevel = max(0, Int(value("CIRCULARLEVEL")) ?? 2)
        createOnly = value("CreateOnlyRUL") == "true"
        displaySimpleRules = value("DisplaySimpleRules") != "false"
        voicemail = value("vmNumber")
        verification = value("TRANSFERVERIFICATION") == "true"
        emergencyNumber = value("EMERGENCYNUMBER")
        emergencyTimes = max(1, Int(value("EMERGENCYNUMBERCALLTIMES")) ?? 1)
        waitNoReply = max(1, Int(value("WAITTIMENOREPLY")) ?? 15)
        waitNoReplyPBX = max(1, Int(value("WAITTIMENOREPLYPBX")) ?? 20)
        resourceDevice = value("ResourceDevice")
    }

    static func of(_ user: User, _ tx: any StoreTransaction) throws -> RuleParameters { try RuleParameters(user: user, tx) }

    /// One parameter's value for `user`.
    static func value(_ name: String, of application: Application, for user: User, _ tx: any StoreTransaction) throws -> String {
        let definitions = ParameterCatalogue.all.filter { $0.name == name && $0.application == application }
        return try ParameterResolver().resolve(definitions, for: user, in: tx).first?.value ?? ""
    }
}

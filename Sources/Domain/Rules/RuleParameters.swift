import Foundation

/// The parameters the loop check and the explain endpoint read for one user (admin guide 9.1.4 `vmNumber`, 9.6.2
/// `CIRCULARLEVEL`, `CreateOnlyRUL`, `WAITTIMENOREPLY`, `WAITTIMENOREPLYPBX`), resolved once per user.
struct RuleParameters: Sendable, Equatable {
    /// Forwards a chain may hold before coming back where it started (0: no check).
    var circularLevel: Int
    /// The server runs simple rules too; nothing is applied in the PBX.
    var createOnly: Bool
    var waitNoReply: Int
    var waitNoReplyPBX: Int
    var voicemail: String

    static let names: Set<String> = ["vmNumber", "CIRCULARLEVEL", "CreateOnlyRUL", "WAITTIMENOREPLY", "WAITTIMENOREPLYPBX"]

    static func of(_ user: User, _ tx: any StoreTransaction) throws -> RuleParameters {
        let definitions = ParameterCatalogue.all.filter { names.contains($0.name) && ($0.application == .caller || $0.application == .rules) }
        let resolved = try ParameterResolver().resolve(definitions, for: user, in: tx)
        func value(_ name: String) -> String { resolved.first { $0.name == name }?.value ?? "" }
        return RuleParameters(
            circularLevel: Int(value("CIRCULARLEVEL")) ?? 2,
            createOnly: value("CreateOnlyRUL") == "true",
            waitNoReply: Int(value("WAITTIMENOREPLY")) ?? 15,
            waitNoReplyPBX: Int(value("WAITTIMENOREPLYPBX")) ?? 20,
            voicemail: value("vmNumber")
        )
    }

    /// One parameter's value for `user`.
    static func value(_ name: String, of application: Application, for user: User, _ tx: any StoreTransaction) throws -> String {
        let definitions = ParameterCatalogue.all.filter { $0.name == name && $0.application == application }
        return try ParameterResolver().resolve(definitions, for: user, in: tx).first?.value ?? ""
    }
}

import Foundation

/// The type of a parameter's value, used to refuse values the server could not use.
public enum ParameterKind: Sendable, Equatable {
    case bool
    case integer(ClosedRange<Int>)
    case text(maxLength: Int)
    /// `HH:MM`, as `CallLog-StartCleaningHour` (admin guide 10.2.1).
    case timeOfDay
    /// Authentication methods separated by `|` (admin guide 6.1).
    case authMethods
    /// One of a few words, as `AlerterMode` (`XML` or `URL`, admin guide 9.2.1); matched ignoring ASCII case.
    case choice([String])

    /// The values of a `choice`, nil for other kinds.
    public var choices: [String]? {
        if case .choice(let values) = self { return values }
        return nil
    }

    public var name: String {
        switch self {
        case .bool: "bool"
        case .integer: "integer"
        case .text: "text"
        case .timeOfDay: "timeOfDay"
        case .authMethods: "authMethods"
        case .choice: "choice"
        }
    }
}

/// An authentication method a domain, group or user may be given (admin guide 6.1).
public enum AuthMethod: String, Sendable, CaseIterable, Codable {
    case windowsSecurity = "WindowsSecurity"
    case ldap = "LDAP"
    case tws = "TWS"
    case none = "None"

    /// Parses `TWS|None`; unknown names are an error naming the bad value.
    public static func parseList(_ value: String) throws(DomainError) -> [AuthMethod] {
        let parts = value.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { throw .invalid(field: "value", "AuthMethods needs at least one method") }
        var methods: [AuthMethod] = []
        for part in parts {
            guard let method = AuthMethod.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(part) == .orderedSame }) else {
                throw .invalid(field: "value", "Unknown authentication method '\(part)'; expected WindowsSecurity, LDAP, TWS or None")
            }
            if !methods.contains(method) { methods.append(method) }
        }
        return methods
    }
}

/// A parameter of an application: its default, type and whether only expert mode shows it.
public struct ParameterDefinition: Sendable, Equatable {
    public var application: Application
    public var name: String
    public var defaultValue: String
    public var kind: ParameterKind
    public var expert: Bool
    public var summary: String
    /// Other names accepted for it, such as the guide's misspelling `AuthorizedForwardPresenceAsbsent` (9.1.8); values
    /// are stored and reported under `name`.
    public var aliases: [String] = []
    /// A secret (`SmtAuthPassword`): stored as set, never answered. Listings show `masked` instead of the value.
    public var secret = false

    /// What a listing shows of a value of this parameter: the value, or for a secret `********` when one is set.
    public func shown(_ value: String) -> String {
        secret && !value.isEmpty ? Self.masked : value
    }

    /// The stand-in listings show for a secret's value.
    public static let masked = "********"

    public init(_ application: Application, _ name: String, _ defaultValue: String, _ kind: ParameterKind, expert: Bool = false, _ summary: String) {
        self.application = application
        self.name = name
        self.defaultValue = defaultValue
        self.kind = kind
        self.expert = expert
        self.summary = summary
    }

    /// Checks and normalises a value for this parameter (booleans become `true`/`false`).
    /// A value of the wrong kind is a 422: the contract takes any text for every parameter, and which text fits
    /// depends on the parameter the path names (listed by GET /api/v1/admin/parameters).
    public func normalise(_ raw: String) throws(DomainError) -> String {
        func unusable(_ message: String) -> DomainError { DomainError(.unprocessable, code: "invalid_parameter_value", message, field: "value") }
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        switch kind {
        case .bool:
            switch value.lowercased() {
            case "true", "yes", "1", "y": return "true"
            case "false", "no", "0", "n": return "false"
            default: throw unusable("\(name) takes true or false")
            }
        case .integer(let range):
            guard let number = Int(value), range.contains(number) else {
                throw unusable("\(name) takes a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return String(number)
        case .text(let maxLength):
            guard raw.unicodeScalars.count <= maxLength else { throw unusable("\(name) takes at most \(maxLength) characters") }
            return raw
        case .timeOfDay:
            let parts = value.split(separator: ":")
            guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let hour = Int(parts[0]), let minute = Int(parts[1]),
                (0..<24).contains(hour),
                (0..<60).contains(minute)
            else { throw unusable("\(name) takes a time as HH:MM") }
            return value
        case .authMethods:
            do {
                return try AuthMethod.parseList(value).map(\.rawValue).joined(separator: "|")
            } catch {
                throw unusable(error.message)
            }
        case .choice(let values):
            guard let match = values.first(where: { $0.lowercased() == value.lowercased() }) else {
                throw unusable("\(name) takes \(values.joined(separator: " or "))")
            }
            return match
        }
    }
}

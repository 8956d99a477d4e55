import Foundation

/// One specific rule of a dialing plan (admin guide 5): a number starting with `pattern` has that start replaced by `value`.
///
/// A pattern wrapped in square brackets is an extended rule (admin guide 5.3): the text inside is a regular expression,
/// matched at the start of the number, whose capture groups the value reuses as `$1`, `$2`…
/// Patterns and values may name the plan's settings with the placeholders of ``Placeholder``.
public struct DialingRule: Codable, Sendable, Equatable {
    /// Rules are tried from the lowest priority up; the first that matches is the only one applied.
    public var priority: Int
    public var name: String
    public var pattern: String
    public var value: String

    public init(priority: Int, name: String = "", pattern: String, value: String) {
        self.priority = priority
        self.name = name
        self.pattern = pattern
        self.value = value
    }

    /// True when the pattern is a regular expression: admin guide 5.3, "the model's square brackets informs that it is
    /// a regular expression".
    public var isExtended: Bool {
        pattern.unicodeScalars.count >= 2 && pattern.unicodeScalars.first == "[" && pattern.unicodeScalars.last == "]"
    }

    /// The placeholders a pattern or a value may contain, replaced by the plan's settings.
    public enum Placeholder: String, CaseIterable, Sendable {
        case internationalPrefix = "[-InternationalPrefix-]"
        case localCountryPrefix = "[-LocalCountryPrefix-]"
        case externalPrefix = "[-ExternalPrefix-]"

        /// The setting this placeholder stands for.
        func value(in settings: DialingPlanSettings) -> String {
            switch self {
            case .internationalPrefix: settings.internationalPrefix
            case .localCountryPrefix: settings.localCountryPrefix
            case .externalPrefix: settings.externalPrefix
            }
        }
    }

    /// The rules created with a new dialing plan (admin guide 5.1), written with placeholders so that they follow the settings.
    ///
    /// The guide's "any non-numerical character is deleted" is not a rule here: it is the clean-up ``DialingPlan`` does
    /// on every number, since a first-match rule that always fired would hide all the others.
    ///
    /// The guide says "+33(0)" and "+330" are "transformed into 00" and that "+33155171889 will become 00155171889": the
    /// national trunk prefix "0" behind the external prefix. So these rules carry the external prefix themselves
    /// (`[-ExternalPrefix-]0`), which per 5.2 means it is not added a second time. The "+" rule gives the international
    /// prefix only, and 5.2 then adds the external prefix: "+3912334477 -> 0 00 3912334477".
    /// The trunk prefix "0" is written out: France, the guide's country, and most of Europe use it.
    public static func standardRules() -> [DialingRule] {
        [
            DialingRule(priority: 1, name: "+country (0)", pattern: #"[\+[-LocalCountryPrefix-]\(0\)]"#, value: "[-ExternalPrefix-]0"),
            DialingRule(priority: 2, name: "+country 0", pattern: #"[\+[-LocalCountryPrefix-]0]"#, value: "[-ExternalPrefix-]0"),
            // Admin guide 5.1, particular case: 0033 or +33 followed by the national number.
            DialingRule(
                priority: 3,
                name: "+country or 00country",
                pattern: #"[(\+|[-InternationalPrefix-])[-LocalCountryPrefix-]]"#,
                value: "[-ExternalPrefix-]0"
            ),
            // Facilities pass unchanged, and without the external prefix.
            DialingRule(priority: 4, name: "#", pattern: "#", value: "#"),
            DialingRule(priority: 5, name: "*", pattern: "*", value: "*"),
            DialingRule(priority: 100, name: "+", pattern: "+", value: "[-InternationalPrefix-]"),
        ]
    }
}

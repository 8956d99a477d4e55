import Foundation

/// What the dialing plan made of a dialled number: the number sent to the PBX and why (the admin's "test these rules").
public struct DialingResult: Sendable, Equatable, Codable {
    /// The number as dialled.
    public var input: String
    /// The number sent to the PBX.
    public var number: String
    /// The rule applied, nil when none matched.
    public var rule: DialingRule?
    /// Whether the external prefix was put in front by the plan (not by the rule's value).
    public var externalPrefixAdded: Bool
    /// The steps taken, one sentence each, for the administrator testing the rules.
    public var steps: [String]

    public init(input: String, number: String, rule: DialingRule?, externalPrefixAdded: Bool, steps: [String]) {
        self.input = input
        self.number = number
        self.rule = rule
        self.externalPrefixAdded = externalPrefixAdded
        self.steps = steps
    }

    /// The steps as one text.
    public var explanation: String { steps.joined(separator: "; ") }
}

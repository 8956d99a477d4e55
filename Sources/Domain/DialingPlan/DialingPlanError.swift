import Foundation

/// Why a dialing plan could not be built, or a number not transformed; `field` and `reason` fill a 422 problem response.
public enum DialingPlanError: Error, Sendable, Equatable {
    /// The rule at `index` in the list given to ``DialingPlan/init(settings:rules:)`` is refused; `field` is
    /// `name`, `pattern` or `value`.
    case invalidRule(index: Int, field: String, reason: String)
    /// The rule has the contract's shape but cannot be used: its regular expression does not compile, its value names
    /// a capture group the expression lacks, or its pattern is empty once the placeholders are replaced (422).
    case unusableRule(index: Int, field: String, reason: String)
    /// Nothing dialable is left once spaces and punctuation are removed.
    case emptyNumber
    /// The number is longer than ``DialingPlan/maxNumberLength`` characters.
    case numberTooLong(limit: Int)

    /// Stable machine code.
    public var code: String {
        switch self {
        case .invalidRule: "invalid_dialing_rule"
        case .unusableRule: "unusable_dialing_rule"
        case .emptyNumber: "empty_number"
        case .numberTooLong: "number_too_long"
        }
    }

    /// The request field at fault, e.g. `rules[2].pattern` or `number`.
    public var field: String {
        switch self {
        case .invalidRule(let index, let field, _), .unusableRule(let index, let field, _): "rules[\(index)].\(field)"
        case .emptyNumber, .numberTooLong: "number"
        }
    }

    /// A sentence for the administrator.
    public var reason: String {
        switch self {
        case .invalidRule(let index, let field, let reason), .unusableRule(let index, let field, let reason): "Rule \(index + 1), \(field): \(reason)"
        case .emptyNumber: "The number contains nothing to dial"
        case .numberTooLong(let limit): "The number takes at most \(limit) characters"
        }
    }

    /// The same error as the ``DomainError`` that Endpoints maps to problem+json (or a SOAP fault) in one place.
    public var domainError: DomainError {
        if case .unusableRule = self { return DomainError(.unprocessable, code: code, reason, field: field) }
        return DomainError(.invalid, code: code, reason, field: field)
    }
}

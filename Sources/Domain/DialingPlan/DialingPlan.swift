import Foundation

/// A domain's dialing plan (admin guide 5): its settings and rules, checked and compiled once, turning dialled numbers
/// into what the PBX is sent and incoming numbers into what users see and directories are searched for.
///
/// Build one when the settings or rules change and share it: it is an immutable value.
public struct DialingPlan: Sendable {
    /// Longest number accepted, in characters as typed (spaces included).
    public static let maxNumberLength = 64
    /// Longest pattern or value of a rule.
    public static let maxRuleTextLength = 256
    /// Longest rule name.
    public static let maxNameLength = 128
    /// The national trunk prefix of the local country: "0" in France, the guide's country, and most of Europe.
    /// The settings have no field for it; standard rules write it out the same way.
    static let nationalTrunkPrefix = "0"
    /// A regular expression still backtracking after this many ICU progress reports is abandoned as not matching, so a
    /// rule like `[(\d+)+x]` cannot hold a call for seconds. An ordinary rule on a 64-character number ends long before
    /// the first report.
    static let matchProgressBudget = 40

    public let settings: DialingPlanSettings
    /// The rules in the order they are tried: by priority, then in the order given for equal priorities.
    public var rules: [DialingRule] { compiled.map(\.rule) }
    private let compiled: [CompiledRule]

    /// Checks and compiles the rules; throws `.invalidRule` naming the first bad rule by its index in `rules`.
    public init(settings: DialingPlanSettings, rules: [DialingRule]) throws(DialingPlanError) {
        self.settings = settings
        var compiled: [CompiledRule] = []
        for (index, rule) in rules.enumerated() {
            compiled.append(try CompiledRule(rule, settings: settings, index: index))
        }
        // Array.sort is not stable; the index keeps the given order among equal priorities.
        self.compiled = compiled.enumerated()
            .sorted { ($0.element.rule.priority, $0.offset) < ($1.element.rule.priority, $1.offset) }
            .map(\.element)
    }

    /// The plan of a new domain: its settings and the standard rules.
    public static func standard(settings: DialingPlanSettings) -> DialingPlan {
        // The standard rules are constants that the tests compile.
        try! DialingPlan(settings: settings, rules: DialingRule.standardRules())
    }

    // MARK: Dialling (admin guide 5.2)

    /// The number to send to the PBX for `dialled` (a number typed or found in a directory).
    ///
    /// Throws `.numberTooLong` beyond ``maxNumberLength`` characters and `.emptyNumber` when nothing dialable is left
    /// once spaces and punctuation are removed: such input is a client error, not a number to send.
    public func transform(_ dialled: String) throws(DialingPlanError) -> DialingResult {
        guard dialled.unicodeScalars.count <= Self.maxNumberLength else { throw .numberTooLong(limit: Self.maxNumberLength) }
        let number = Self.cleaned(dialled)
        guard number.contains(where: { $0.isDialKey }) else { throw .emptyNumber }
        var steps: [String] = []
        if number != dialled { steps.append("cleaned to \(number)") }

        for candidate in compiled {
            switch candidate.apply(to: number) {
            case .noMatch:
                continue
            case .abandoned:
                steps.append("\(candidate.rule.label) abandoned: its regular expression takes too long")
                continue
            case .replaced(let matched, let value, let rest):
                let result = Self.dialable(value + rest)
                steps.append("\(candidate.rule.label) replaced \"\(matched)\" with \"\(value)\": \(result)")
                // Admin guide 5.2: only a number starting with "+" gets the external prefix after its rule, "if necessary":
                // when the result is external and the rule's value has not already put the prefix (5.3's example value
                // starts with [-ExternalPrefix-] and "+42(0)141906666" becomes "00042141906666", with one prefix).
                if number.hasPrefix("+"), !candidate.valueHasExternalPrefix, isExternal(result) {
                    return prefixed(result, dialled: dialled, rule: candidate.rule, steps: steps)
                }
                return DialingResult(input: dialled, number: result, rule: candidate.rule, externalPrefixAdded: false, steps: steps)
            }
        }

        let result = Self.dialable(number)
        if result != number { steps.append("non-dialable characters removed: \(result)") }
        // Admin guide 5.2: no rule, so only a number longer than the internal length gets the external prefix.
        if isExternal(result) {
            steps.append("no rule matched and the number is longer than \(settings.internalLength)")
            return prefixed(result, dialled: dialled, rule: nil, steps: steps)
        }
        steps.append("no rule matched: dialled as is")
        return DialingResult(input: dialled, number: result, rule: nil, externalPrefixAdded: false, steps: steps)
    }

    /// True when `number` goes out to the public network: longer than an internal number and not a `+`, `*` or `#`
    /// form (a prefix in front of those would break them).
    private func isExternal(_ number: String) -> Bool {
        number.count > settings.internalLength && number.first?.isASCIIDigit == true
    }

    private func prefixed(_ number: String, dialled: String, rule: DialingRule?, steps: [String]) -> DialingResult {
        let prefix = settings.externalPrefix
        guard !prefix.isEmpty else { return DialingResult(input: dialled, number: number, rule: rule, externalPrefixAdded: false, steps: steps) }
        let result = prefix + number
        return DialingResult(
            input: dialled,
            number: result,
            rule: rule,
            externalPrefixAdded: true,
            steps: steps + ["external prefix \"\(prefix)\" added: \(result)"]
        )
    }

    // MARK: Incoming numbers (admin guide 5: "received in the reverse directory search")

    /// The number to show for an incoming `incoming` number and the keys to search directories with.
    ///
    /// A number no longer than `internalReverseLength` is internal and kept as is. Another loses `remove` leading
    /// characters and gains `add` in front, which should give the national form ("0155171889") or the international
    /// one ("0044…" or "+44…"); a number presented in E.164 ("+…") is complete and kept as is. Empty, junk or
    /// over-long input is a withheld number: empty `number`, no search keys (never an error, the call still rings).
    public func reverse(_ incoming: String) -> ReverseResult {
        // Counted in bytes first: never fewer than characters, and a number nearly always fits.
        let fits = incoming.utf8.count <= Self.maxNumberLength || incoming.count <= Self.maxNumberLength
        // ASCII digits, `+`, `*` and `#` only: its bytes are its characters.
        let number = fits ? Self.dialable(Self.cleaned(incoming)) : ""
        guard number.utf8.contains(where: Self.isDigit) else { return ReverseResult(input: incoming, number: "", isInternal: false, searchKeys: []) }
        if number.utf8.count <= settings.internalReverseLength {
            return ReverseResult(input: incoming, number: number, isInternal: true, searchKeys: [number])
        }
        let adjusted = number.hasPrefix("+") ? number : settings.add + number.dropFirst(max(0, settings.remove))
        var keys: [String] = []
        for key in [adjusted] + directoryForms(of: adjusted) where !keys.contains(key) {
            keys.append(key)
        }
        return ReverseResult(input: incoming, number: adjusted, isInternal: false, searchKeys: keys)
    }

    /// The E.164, national (local country only) and international-prefix forms of an external number, read as
    /// "+…", international prefix + country code, or trunk prefix + national number; nothing for another shape.
    private func directoryForms(of number: String) -> [String] {
        let international = settings.internationalPrefix
        let country = settings.localCountryPrefix
        let trunk = Self.nationalTrunkPrefix
        let e164: String
        if number.hasPrefix("+") {
            e164 = number
        } else if !international.isEmpty, number.hasPrefix(international) {
            e164 = "+" + number.dropFirst(international.count)
        } else if !country.isEmpty, number.hasPrefix(trunk) {
            e164 = "+" + country + number.dropFirst(trunk.count)
        } else {
            return []
        }
        let digits = e164.dropFirst()
        var forms = [e164]
        if !country.isEmpty, digits.hasPrefix(country) { forms.append(trunk + digits.dropFirst(country.count)) }
        if !international.isEmpty { forms.append(international + digits) }
        return forms
    }

    // MARK: Clean-up (admin guide 5.1, first standard rule)

    /// The characters rules may look at: digits, `+ * #` and the parentheses of "+33 (0) 1…" (5.1 and 5.3 match them),
    /// without spaces, dots, dashes or letters.
    /// Read by code point, so a digit carrying a combining mark still counts as that digit (the contract's pattern for a
    /// dialled number, "holds a digit, * or #", reads code points too).
    static func cleaned(_ number: String) -> String {
        // A number is nearly always ASCII, whose bytes are its code points: the same filter over bytes, without
        // decoding scalars (a reverse lookup cleans each number it is asked).
        if number.utf8.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: number.utf8.filter { isDigit($0) || isCleanSign($0) }, as: UTF8.self)
        }
        return String(scalars: number.unicodeScalars.filter { $0.isASCIIDigit || "+*#()".unicodeScalars.contains($0) })
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isCleanSign(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "+") || byte == UInt8(ascii: "*") || byte == UInt8(ascii: "#") || byte == UInt8(ascii: "(")
            || byte == UInt8(ascii: ")")
    }

    /// Admin guide 5.1: "any non-numerical character is deleted, except for +, #, * when they are the first character".
    /// A number starting with `*` or `#` is a facility code ("#" and "*" rules: "no transformation, used for facilities"),
    /// whose inner `*` and `#` are part of the code ("*21*0612345678#"), so it keeps them all.
    static func dialable(_ number: String) -> String {
        // In ASCII a character is one byte, or CR LF, which is neither a digit nor a sign: the same over bytes.
        if let first = number.utf8.first, number.utf8.allSatisfy({ $0 < 0x80 }) {
            if first == UInt8(ascii: "*") || first == UInt8(ascii: "#") {
                return String(decoding: number.utf8.filter { isDigit($0) || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "#") }, as: UTF8.self)
            }
            let digits = String(decoding: number.utf8.filter(isDigit), as: UTF8.self)
            return first == UInt8(ascii: "+") ? "+" + digits : digits
        }
        guard let first = number.first else { return number }
        if first == "*" || first == "#" { return number.filter(\.isDialKey) }
        let digits = number.filter(\.isASCIIDigit)
        return first == "+" ? "+" + digits : digits
    }
}

/// A rule checked against the settings, with its pattern compiled and its value split into text and captures.
private struct CompiledRule: Sendable {
    enum Matcher: Sendable {
        case prefix(String)
        case expression(NSRegularExpression)
    }

    enum ValuePart: Sendable, Equatable {
        case text(String)
        case capture(Int)
    }

    enum Outcome {
        case noMatch
        case abandoned
        /// The matched start of the number, the value replacing it and the rest of the number.
        case replaced(matched: String, value: String, rest: Substring)
    }

    let rule: DialingRule
    let matcher: Matcher
    let value: [ValuePart]
    /// The value starts the number with [-ExternalPrefix-] itself (admin guide 5.3's example).
    let valueHasExternalPrefix: Bool

    init(_ rule: DialingRule, settings: DialingPlanSettings, index: Int) throws(DialingPlanError) {
        func invalid(_ field: String, _ reason: String) -> DialingPlanError { .invalidRule(index: index, field: field, reason: reason) }
        func unusable(_ field: String, _ reason: String) -> DialingPlanError { .unusableRule(index: index, field: field, reason: reason) }
        guard rule.name.unicodeScalars.count <= DialingPlan.maxNameLength else { throw invalid("name", "takes at most \(DialingPlan.maxNameLength) characters") }
        for (field, text) in [("name", rule.name), ("pattern", rule.pattern), ("value", rule.value)] {
            guard text.unicodeScalars.count <= DialingPlan.maxRuleTextLength else {
                throw invalid(field, "takes at most \(DialingPlan.maxRuleTextLength) characters")
            }
            guard !text.unicodeScalars.contains(where: PasswordPolicy.isControl) else {
                throw invalid(field, "may not contain control characters")
            }
        }
        guard !rule.pattern.isEmpty else { throw invalid("pattern", "may not be empty") }
        self.rule = rule
        valueHasExternalPrefix = rule.value.contains(DialingRule.Placeholder.externalPrefix.rawValue)
        let value = Self.expand(rule.value, settings: settings, escape: false)

        guard rule.isExtended else {
            let literal = DialingRule.Placeholder.allCases.reduce(rule.pattern) { $0.replacingOccurrences(of: $1.rawValue, with: "") }
            guard literal.unicodeScalars.allSatisfy({ "0123456789+*#()".unicodeScalars.contains($0) }) else {
                throw invalid("pattern", "a plain pattern holds only digits, +, *, #, ( and ) and placeholders; wrap a regular expression in [ ]")
            }
            let pattern = Self.expand(rule.pattern, settings: settings, escape: false)
            guard !pattern.isEmpty else { throw unusable("pattern", "is empty once the placeholders are replaced by this plan's settings") }
            matcher = .prefix(pattern)
            self.value = [.text(value)]
            return
        }
        guard rule.pattern.unicodeScalars.count > 2 else { throw invalid("pattern", "the regular expression between [ ] is empty") }
        let expression = Self.expand(String(scalars: rule.pattern.unicodeScalars.dropFirst().dropLast()), settings: settings, escape: true)
        guard !expression.isEmpty else { throw unusable("pattern", "the regular expression between [ ] is empty once the placeholders are replaced") }
        let regex: NSRegularExpression
        do {
            regex = try NSRegularExpression(pattern: expression)
        } catch {
            throw unusable("pattern", "not a valid regular expression")
        }
        matcher = .expression(regex)
        let groups = regex.numberOfCaptureGroups
        self.value = Self.parts(of: value, groups: groups)
        for case .capture(let group) in self.value where group > groups {
            throw unusable("value", "refers to $\(group) but the pattern has \(groups) capture group(s)")
        }
    }

    /// Replaces the placeholders by the settings, regex-escaped inside a regular expression.
    static func expand(_ text: String, settings: DialingPlanSettings, escape: Bool) -> String {
        DialingRule.Placeholder.allCases.reduce(text) { text, placeholder in
            let value = placeholder.value(in: settings)
            return text.replacingOccurrences(of: placeholder.rawValue, with: escape ? NSRegularExpression.escapedPattern(for: value) : value)
        }
    }

    /// Splits an extended rule's value into text and `$n` captures; the guide writes `\$2`, taken the same way.
    /// Like NSRegularExpression templates, `$12` is group 12 when the pattern has that many groups, else group 1 then "2".
    static func parts(of value: String, groups: Int) -> [ValuePart] {
        var parts: [ValuePart] = []
        var text = ""
        var rest = Substring(value)
        while let character = rest.first {
            if character == "\\", rest.dropFirst().first == "$" {
                rest = rest.dropFirst()
                continue
            }
            guard character == "$", let next = rest.dropFirst().first, next.isASCIIDigit, let digit = next.wholeNumberValue else {
                text.append(character)
                rest = rest.dropFirst()
                continue
            }
            var group = digit
            rest = rest.dropFirst(2)
            while let next = rest.first, next.isASCIIDigit, let digit = next.wholeNumberValue, group * 10 + digit <= groups {
                group = group * 10 + digit
                rest = rest.dropFirst()
            }
            if !text.isEmpty { parts.append(.text(text)) }
            text = ""
            parts.append(.capture(group))
        }
        if !text.isEmpty { parts.append(.text(text)) }
        return parts
    }

    /// Replaces the start of `number` when this rule matches it there (admin guide 5: "searched only at the beginning").
    func apply(to number: String) -> Outcome {
        switch matcher {
        case .prefix(let prefix):
            guard number.hasPrefix(prefix) else { return .noMatch }
            return .replaced(matched: prefix, value: render { _ in "" }, rest: number.dropFirst(prefix.count))
        case .expression(let regex):
            var match: NSTextCheckingResult?
            var reports = 0
            // `number` is ASCII once cleaned, so UTF-16 offsets are character offsets.
            let whole = NSRange(location: 0, length: number.utf16.count)
            regex.enumerateMatches(in: number, options: [.anchored, .reportProgress], range: whole) { result, _, stop in
                if let result {
                    match = result
                    stop.pointee = true
                } else {
                    reports += 1
                    if reports >= DialingPlan.matchProgressBudget { stop.pointee = true }
                }
            }
            guard let match else { return reports >= DialingPlan.matchProgressBudget ? .abandoned : .noMatch }
            func text(_ group: Int) -> Substring {
                Range(match.range(at: group), in: number).map { number[$0] } ?? ""
            }
            return .replaced(matched: String(text(0)), value: render(text), rest: number.dropFirst(match.range.length))
        }
    }

    private func render(_ capture: (Int) -> Substring) -> String {
        value.map {
            switch $0 {
            case .text(let text): text
            case .capture(let group): String(capture(group))
            }
        }.joined()
    }
}

extension DialingRule {
    /// How a step names the rule: its priority and its name, or its pattern when unnamed.
    fileprivate var label: String { "rule \(priority) \"\(name.isEmpty ? pattern : name)\"" }
}

extension Character {
    /// A key of a phone's keypad: an ASCII digit, `*` or `#`.
    fileprivate var isDialKey: Bool { isASCIIDigit || self == "*" || self == "#" }
    var isASCIIDigit: Bool { isASCII && isNumber }
}

@testable import Domain
import Foundation
import Testing

/// Dialing plan vectors: every worked example of admin guide 5, then the engine's own rules.
@Suite struct DialingPlanTests {
    static let settings = DialingPlanSettings(companyId: 1, domainId: 1)

    /// Admin guide 5.3's rule, the markdown garbling of the guide undone: an optional "+" or international prefix,
    /// the country code (group 2) and a bracketed trunk prefix.
    static let bracketedTrunkRule = DialingRule(
        priority: 30,
        pattern: #"[(\+|[-InternationalPrefix-])?([^\(]+)\([^\)]+\)]"#,
        value: #"[-ExternalPrefix-][-InternationalPrefix-]\$2"#
    )

    /// The standard rules plus the guide's own examples: 5.2's "3611 -> 03611", 5's "361 -> 361" and 5.3's rule.
    static let guidePlan = try! DialingPlan(
        settings: settings,
        rules: DialingRule.standardRules() + [
            DialingRule(priority: 10, pattern: "3611", value: "03611"),
            DialingRule(priority: 11, pattern: "361", value: "361"),
            bracketedTrunkRule,
        ]
    )

    static func plan(_ rules: [DialingRule], _ settings: DialingPlanSettings = settings) throws -> DialingPlan {
        try DialingPlan(settings: settings, rules: rules)
    }

    static func planError(_ rules: [DialingRule]) -> DialingPlanError? {
        do {
            _ = try DialingPlan(settings: settings, rules: rules)
            return nil
        } catch {
            return error
        }
    }

    // MARK: The guide's examples

    struct Vector: Sendable, CustomTestStringConvertible {
        var dialled: String
        var sent: String
        var rulePriority: Int?
        var prefixAdded: Bool
        var testDescription: String { "\(dialled) -> \(sent)" }
    }

    @Test(arguments: [
        // 5.1: "+33 (0) 123456789 becomes 00123456789".
        Vector(dialled: "+33 (0) 123456789", sent: "00123456789", rulePriority: 1, prefixAdded: false),
        // 5.1: "+330" is transformed into 00.
        Vector(dialled: "+330155171889", sent: "00155171889", rulePriority: 2, prefixAdded: false),
        // 5.1 particular cases: " +33155171889" and 0033 become the network prefix + national number.
        Vector(dialled: " +33155171889", sent: "00155171889", rulePriority: 3, prefixAdded: false),
        Vector(dialled: "0033155171889", sent: "00155171889", rulePriority: 3, prefixAdded: false),
        // 5.1: "#" and "*" are kept, used for facilities.
        Vector(dialled: "#21#", sent: "#21#", rulePriority: 4, prefixAdded: false),
        Vector(dialled: "*21*0612345678#", sent: "*21*0612345678#", rulePriority: 5, prefixAdded: false),
        // 5.2: "+3912334477 -> 0 00 3912334477".
        Vector(dialled: "+3912334477", sent: "0003912334477", rulePriority: 100, prefixAdded: true),
        // 5.2: "the dialing of 3611 will become 03611 but the external network prefix will not be added".
        Vector(dialled: "3611", sent: "03611", rulePriority: 10, prefixAdded: false),
        // 5: "The string 361 will be replaced by 361", so a long 361… number gets no prefix.
        Vector(dialled: "36150", sent: "36150", rulePriority: 11, prefixAdded: false),
        // 5.3: "This rule turns +42(0)141906666 into 00042141906666", and "treats numbers such as +42(0) and 42(0)".
        Vector(dialled: "+42(0)141906666", sent: "00042141906666", rulePriority: 30, prefixAdded: false),
        Vector(dialled: "42(0)141906666", sent: "00042141906666", rulePriority: 30, prefixAdded: false),
        Vector(dialled: "0042 (0) 141 906 666", sent: "00042141906666", rulePriority: 30, prefixAdded: false),
        // 5.2, no rule: a number longer than the internal length gets the external prefix, a short one does not.
        Vector(dialled: "01 55 17 18 89", sent: "00155171889", rulePriority: nil, prefixAdded: true),
        Vector(dialled: "2345", sent: "2345", rulePriority: nil, prefixAdded: false),
    ])
    func guideExamplesGiveTheGuidesNumbers(_ vector: Vector) throws {
        let result = try Self.guidePlan.transform(vector.dialled)
        #expect(result.number == vector.sent)
        #expect(result.rule?.priority == vector.rulePriority)
        #expect(result.externalPrefixAdded == vector.prefixAdded)
        #expect(result.input == vector.dialled)
    }

    @Test func standardRulesFollowTheSettings() throws {
        var belgium = Self.settings
        belgium.localCountryPrefix = "32"
        belgium.externalPrefix = "9"
        let plan = DialingPlan.standard(settings: belgium)
        #expect(try plan.transform("+32 (0)2 123 45 67").number == "9021234567")
        #expect(try plan.transform("003221234567").number == "9021234567")
        #expect(try plan.transform("+33155171889").number == "90033155171889")
        #expect(DialingRule.standardRules().map(\.isExtended) == [true, true, true, false, false, false])
    }

    // MARK: Rule order

    @Test func rulesAreTriedFromTheLowestPriorityWhateverTheirOrderInTheList() throws {
        let plan = try Self.plan([
            DialingRule(priority: 20, pattern: "06", value: "8"),
            DialingRule(priority: 5, pattern: "0", value: "7"),
            DialingRule(priority: 10, pattern: "06", value: "9"),
        ])
        #expect(try plan.transform("0612345678").number == "7612345678")
        #expect(plan.rules.map(\.priority) == [5, 10, 20])
    }

    @Test func equalPrioritiesKeepTheOrderGiven() throws {
        let plan = try Self.plan([
            DialingRule(priority: 1, name: "first", pattern: "06", value: "1"),
            DialingRule(priority: 1, name: "second", pattern: "06", value: "2"),
        ])
        #expect(try plan.transform("0612345678").rule?.name == "first")
    }

    @Test func onlyTheFirstMatchingRuleIsApplied() throws {
        let plan = try Self.plan([
            DialingRule(priority: 1, pattern: "12", value: "34"),
            DialingRule(priority: 2, pattern: "34", value: "99"),
        ])
        let result = try plan.transform("1200000")
        #expect(result.number == "3400000")
        #expect(result.rule?.priority == 1)
    }

    @Test func patternsMatchOnlyAtTheStartOfTheNumber() throws {
        let plan = try Self.plan([
            DialingRule(priority: 1, pattern: "33", value: ""),
            DialingRule(priority: 2, pattern: #"[\d33]"#, value: "X"),
        ])
        let result = try plan.transform("0155331889")
        #expect(result.rule == nil)
        #expect(result.number == "00155331889")
    }

    // MARK: Extended rules

    @Test func extendedRulesUseTheSettingsAndTheCaptures() throws {
        var settings = Self.settings
        settings.internationalPrefix = "011"
        settings.externalPrefix = "9"
        let plan = try Self.plan(
            [
                Self.bracketedTrunkRule,
                DialingRule(priority: 40, pattern: #"[[-InternationalPrefix-](\d\d)]"#, value: "[-ExternalPrefix-]+$1-"),
            ],
            settings
        )
        #expect(try plan.transform("+42(0)141906666").number == "901142141906666")
        // The placeholder is the setting, not the guide's "00": "0044…" is not an international number here.
        #expect(try plan.transform("0044207946000").rule == nil)
        // The value "+44-" is cleaned like any number: the "+" is not the first character.
        #expect(try plan.transform("01144207946000").number == "944207946000")
    }

    @Test func dollarAndBackslashDollarCapturesAreTheSame() throws {
        let plan = try Self.plan([
            DialingRule(priority: 1, pattern: #"[(\d)(\d)]"#, value: #"$2\$1"#),
            DialingRule(priority: 2, pattern: #"[#(1)(2)(3)(4)(5)(6)(7)(8)(9)(0)(1)(2)]"#, value: "*$12$1$0"),
        ])
        #expect(try plan.transform("12").number == "21")
        #expect(try plan.transform("#123456789012").number == "*21#123456789012")
    }

    @Test func stepsExplainWhatHappened() throws {
        let result = try Self.guidePlan.transform("+39 12334477")
        #expect(result.steps.count == 3)
        #expect(result.explanation.contains("rule 100 \"+\" replaced \"+\" with \"00\""))
        #expect(result.explanation.contains("external prefix \"0\" added: 0003912334477"))
    }

    // MARK: Validation

    @Test func anInvalidRegularExpressionIsRefusedWithTheRuleItIn() throws {
        let error = try #require(
            Self.planError([DialingRule(priority: 1, pattern: "0", value: ""), DialingRule(priority: 2, pattern: #"[(\d+]"#, value: "")])
        )
        // The contract's pattern cannot tell an expression that compiles: a 422, not a 400 for a malformed field.
        #expect(error == .unusableRule(index: 1, field: "pattern", reason: "not a valid regular expression"))
        #expect(error.field == "rules[1].pattern")
        #expect(error.domainError.kind == .unprocessable)
        #expect(error.domainError.code == "unusable_dialing_rule")
    }

    @Test(arguments: [
        (DialingRule(priority: 1, pattern: "", value: "0"), "pattern"),
        (DialingRule(priority: 1, pattern: "06 12", value: "0"), "pattern"),
        (DialingRule(priority: 1, pattern: "abc", value: "0"), "pattern"),
        (DialingRule(priority: 1, pattern: "[]", value: "0"), "pattern"),
        (DialingRule(priority: 1, pattern: "[" + String(repeating: "1", count: 255) + "]", value: "0"), "pattern"),
        (DialingRule(priority: 1, pattern: "0", value: String(repeating: "1", count: 257)), "value"),
        (DialingRule(priority: 1, pattern: "0", value: "0\n"), "value"),
        (DialingRule(priority: 1, name: String(repeating: "n", count: 129), pattern: "0", value: "0"), "name"),
        (DialingRule(priority: 1, pattern: "0\u{85}", value: "0"), "pattern"),
    ])
    func badRulesAreRefusedNamingTheField(_ rule: DialingRule, _ field: String) {
        guard case .invalidRule(0, let actual, _) = Self.planError([rule]) else {
            Issue.record("\(rule) was accepted")
            return
        }
        #expect(actual == field)
    }

    @Test func aCaptureGroupTheExpressionLacksIsUnusableNotMalformed() {
        guard case .unusableRule(0, "value", _) = Self.planError([DialingRule(priority: 1, pattern: #"[(\d)]"#, value: "$2")]) else {
            Issue.record("a value naming group 2 of a one-group expression was not refused as unusable")
            return
        }
    }

    @Test(arguments: ["", "   ", "abc", "+", "()", "+ (-) ."])
    func inputWithNothingToDialIsRefused(_ dialled: String) {
        #expect(throws: DialingPlanError.emptyNumber) { try Self.guidePlan.transform(dialled) }
    }

    @Test func inputLongerThanSixtyFourCharactersIsRefused() throws {
        let longest = String(repeating: "1 ", count: 32)
        #expect(try Self.guidePlan.transform(longest).number == "0" + String(repeating: "1", count: 32))
        #expect(throws: DialingPlanError.numberTooLong(limit: 64)) { try Self.guidePlan.transform(longest + "1") }
        #expect(DialingPlanError.numberTooLong(limit: 64).field == "number")
    }

    @Test func aCatastrophicRegularExpressionIsAbandonedAndTheNextRuleTried() throws {
        let plan = try Self.plan([
            DialingRule(priority: 1, pattern: #"[(\d+)+x]"#, value: ""),
            DialingRule(priority: 2, pattern: "1", value: "2"),
        ])
        let start = ContinuousClock.now
        let result = try plan.transform(String(repeating: "1", count: 64))
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(result.rule?.priority == 2)
        #expect(result.steps.first?.contains("abandoned") == true)
    }

    // MARK: "+" handling (admin guide 5.2)

    @Test func aPlusNumberTurnedShortByItsRuleGetsNoExternalPrefix() throws {
        let plan = try Self.plan([DialingRule(priority: 0, name: "our DIDs", pattern: "+3315517", value: "")] + DialingRule.standardRules())
        let result = try plan.transform("+33155171889")
        #expect(result.number == "1889")
        #expect(result.externalPrefixAdded == false)
    }

    @Test func aPlusNumberWithoutRuleIsSentInE164() throws {
        let result = try Self.plan([]).transform("+39 123 344 77")
        #expect(result.number == "+3912334477")
        #expect(result.rule == nil)
        #expect(result.externalPrefixAdded == false)
    }

    @Test func anEmptyExternalPrefixIsNeverReportedAsAdded() throws {
        var settings = Self.settings
        settings.externalPrefix = ""
        let result = try DialingPlan.standard(settings: settings).transform("+3912334477")
        #expect(result.number == "003912334477")
        #expect(result.externalPrefixAdded == false)
    }

    // MARK: Incoming numbers

    @Test func shortIncomingNumbersAreInternal() {
        let result = Self.guidePlan.reverse("1234")
        #expect(result == ReverseResult(input: "1234", number: "1234", isInternal: true, searchKeys: ["1234"]))
    }

    @Test func aNationalIncomingNumberIsSearchedInEveryForm() {
        let result = Self.guidePlan.reverse("01 55 17 18 89")
        #expect(result.number == "0155171889")
        #expect(result.isInternal == false)
        #expect(result.searchKeys == ["0155171889", "+33155171889", "0033155171889"])
    }

    @Test func removeThenAddFixTheFormThePbxPresents() throws {
        var settings = Self.settings
        settings.remove = 1
        settings.add = "0"
        let plan = DialingPlan.standard(settings: settings)
        // The PBX presents "0" + the number without its trunk prefix: remove the "0", add the trunk prefix back.
        #expect(plan.reverse("0155171889").number == "0155171889")
        settings.add = ""
        // The PBX presents numbers behind the external prefix: remove it.
        #expect(DialingPlan.standard(settings: settings).reverse("00155171889").searchKeys.contains("+33155171889"))
        // E.164 numbers are complete: neither remove nor add touches them.
        #expect(plan.reverse("+33155171889").searchKeys == ["+33155171889", "0155171889", "0033155171889"])
    }

    /// ASCII numbers are cleaned over their bytes, others by code point: the same number either way. A no-break space,
    /// an accent or a full-width digit (not an ASCII digit) makes the number non-ASCII and is dropped by both.
    @Test(arguments: [
        "01 55 17 18 89", "+33 (0)1 55.17.18-89", "0044207946000", "*21*0612345678#", "#31#0155171889", "1234",
        "+33155171889 ext. 12", "tel:+33-1-55-17-18-89", "(0)155171889", "\r\n0155171889\r\n", "+", "", "anonymous",
    ])
    func asciiNumbersReverseAsTheirNonASCIISpellingDoes(number: String) {
        for mark in ["\u{00A0}", "é", "\u{FF11}"] {
            let plain = Self.guidePlan.reverse(number)
            let marked = Self.guidePlan.reverse(number + mark)
            #expect(plain.number == marked.number && plain.isInternal == marked.isInternal && plain.searchKeys == marked.searchKeys, "\(number) + \(mark)")
            #expect(DialingPlan.cleaned(number) == DialingPlan.cleaned(mark + number + mark), "\(mark) + \(number)")
            #expect(DialingPlan.dialable(number) == DialingPlan.dialable(number + mark), "\(number) + \(mark)")
        }
    }

    @Test func aForeignIncomingNumberHasNoNationalForm() {
        #expect(Self.guidePlan.reverse("0044207946000").searchKeys == ["0044207946000", "+44207946000"])
        #expect(Self.guidePlan.reverse("+44 20 7946 000").searchKeys == ["+44207946000", "0044207946000"])
    }

    @Test(arguments: ["", "anonymous", String(repeating: "1", count: 65)])
    func aWithheldIncomingNumberHasNoSearchKeys(_ incoming: String) {
        #expect(Self.guidePlan.reverse(incoming) == ReverseResult(input: incoming, number: "", isInternal: false, searchKeys: []))
    }

    // MARK: Data

    @Test func rulesAndResultsRoundTripThroughJSON() throws {
        let result = try Self.guidePlan.transform("+42(0)141906666")
        let decoded = try JSONDecoder().decode(DialingResult.self, from: JSONEncoder().encode(result))
        #expect(decoded == result)
        let json = try #require(String(data: JSONEncoder().encode(Self.bracketedTrunkRule), encoding: .utf8))
        #expect(!json.contains("isExtended"))
    }
}

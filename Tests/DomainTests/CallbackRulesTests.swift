import Foundation
import Testing

@testable import Domain

/// Business hours and number rules of callback groups (issue 20), without a store or a PBX.
@Suite("Callback hours and numbers")
struct CallbackRulesTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!

    static func date(_ text: String) -> Date { try! Date.ISO8601FormatStyle().parse(text) }

    @Test func officeHoursAreReadInTheDomainsTimeZone() {
        let hours = CallbackHours.officeHours
        // Monday 2026-12-07 08:30 UTC is 09:30 in Paris (winter time): open; 17:30 UTC is 18:30: closed.
        #expect(hours.isOpen(at: Self.date("2026-12-07T08:30:00Z"), zone: Self.paris))
        #expect(!hours.isOpen(at: Self.date("2026-12-07T17:30:00Z"), zone: Self.paris))
        #expect(!hours.isOpen(at: Self.date("2026-12-05T10:00:00Z"), zone: Self.paris), "Saturday")
        // Friday evening: the next opening is Monday 09:00 Paris time.
        #expect(hours.nextOpening(after: Self.date("2026-12-04T19:00:00Z"), zone: Self.paris) == Self.date("2026-12-07T08:00:00Z"))
        // In summer time the same local opening is an hour earlier in UTC.
        #expect(hours.nextOpening(after: Self.date("2026-07-04T19:00:00Z"), zone: Self.paris) == Self.date("2026-07-06T07:00:00Z"))
    }

    @Test func closedDatesAndTheDayClocksChangeAreHonoured() throws {
        var hours = CallbackHours(openings: [.init(days: [1, 2, 3, 4, 5, 6, 7], from: 9 * 60, to: 12 * 60)], closedDates: ["2026-12-25"])
        hours = try hours.validated()
        #expect(!hours.isOpen(at: Self.date("2026-12-25T09:00:00Z"), zone: Self.paris))
        #expect(hours.nextOpening(after: Self.date("2026-12-24T12:00:00Z"), zone: Self.paris) == Self.date("2026-12-26T08:00:00Z"))
        // Sunday 2026-03-29, clocks go forward in Paris: 09:00 local is 07:00 UTC.
        #expect(hours.nextOpening(after: Self.date("2026-03-28T12:00:00Z"), zone: Self.paris) == Self.date("2026-03-29T07:00:00Z"))
        // Every day closed: no opening within a year.
        let never = CallbackHours(openings: [.init(days: [1], from: 600, to: 660)], closedDates: [])
        #expect(never.nextOpening(after: Self.date("2026-12-07T12:00:00Z"), zone: Self.paris) == Self.date("2026-12-14T09:00:00Z"))
        #expect(CallbackHours.always.isOpen(at: Date(), zone: Self.paris))
    }

    @Test func badOpeningsAndDatesNameTheField() {
        #expect(throws: DomainError.self) { try CallbackHours(openings: [.init(days: [1], from: 600, to: 600)]).validated() }
        #expect(throws: DomainError.self) { try CallbackHours(openings: [.init(days: [8], from: 0, to: 60)]).validated() }
        #expect(throws: DomainError.self) { try CallbackHours(openings: [], closedDates: ["2026-02-30"]).validated() }
        #expect(throws: DomainError.self) { try CallbackHours(openings: [], closedDates: ["25/12/2026"]).validated() }
    }

    static let plan = DialingPlan.standard(settings: DialingPlanSettings(companyId: 1, domainId: 1))

    @Test(arguments: [
        ("06 12 34 56 78", "+33612345678"), ("+33 6 12 34 56 78", "+33612345678"), ("0033612345678", "+33612345678"),
        ("01.55.17.18.89", "+33155171889"), ("(0)6-12-34-56-78", "+33612345678"),
    ])
    func nationalNumbersAreCalledInTheirNationalForm(_ typed: String, _ international: String) throws {
        let checked = try CallbackNumberRules().check(typed, plan: Self.plan)
        #expect(checked.international == international)
        // Through the plan as a user of the domain dials it: the external prefix 0 before the national number.
        #expect(checked.dialled == "0" + "0" + international.dropFirst(3))
    }

    @Test(arguments: [
        ("+44 20 7946 0000", "callback_number_refused"), ("08 92 68 00 00", "callback_number_refused"), ("3615", "callback_number_refused"),
        ("1002", "callback_number_refused"), ("0118 218", "callback_number_refused"), ("06 12", "callback_number_refused"), ("+33 6", "callback_number_refused"), ("abc", "invalid_number"),
        ("06+12", "invalid_number"), ("", "invalid_number"), ("+3361234567890123", "callback_number_refused"),
    ])
    func foreignPremiumInternalAndMalformedNumbersAreRefused(_ typed: String, _ code: String) {
        #expect(throws: DomainError.self) { try CallbackNumberRules().check(typed, plan: Self.plan) }
        do {
            _ = try CallbackNumberRules().check(typed, plan: Self.plan)
        } catch {
            #expect(error.code == code, "\(typed)")
            #expect(error.field == "number")
        }
    }

    @Test func allowedAndRefusedPrefixesReplaceTheDefaults() throws {
        let rules = try CallbackNumberRules(allowed: ["+33", "+44"], refused: ["+337"]).validated()
        #expect(try rules.check("+44 20 7946 0000", plan: Self.plan).international == "+442079460000")
        #expect(throws: DomainError.self) { try rules.check("07 12 34 56 78", plan: Self.plan) }
        // Premium ranges are the default refusals only: a group that lists its own refusals takes them instead.
        #expect(try rules.check("08 92 68 00 00", plan: Self.plan).international == "+33892680000")
        #expect(throws: DomainError.self) { try CallbackNumberRules(allowed: ["33"]).validated() }
    }
}

import Foundation

/// Which visitor numbers a callback group calls: prefixes in international form. A public button must not become a
/// way to make the company's PBX ring premium-rate, foreign or internal numbers for a stranger.
public struct CallbackNumberRules: Codable, Sendable, Equatable {
    /// Prefixes a number must start with; empty: the national numbers of the domain's country.
    public var allowed: [String]
    /// Prefixes refused even when allowed; nil: the premium-rate ranges known for the domain's country.
    public var refused: [String]?

    public init(allowed: [String] = [], refused: [String]? = nil) {
        self.allowed = allowed
        self.refused = refused
    }

    /// Premium-rate and shared-cost ranges by country code. France: 08 (shared cost and premium), 3xxx short numbers
    /// reached as +3336…, and the 118 directory services.
    static let premiumRanges: [String: [String]] = ["33": ["+338", "+3336", "+33118"]]

    /// The refused prefixes in force for a country.
    public func refusedPrefixes(country: String) -> [String] { refused ?? Self.premiumRanges[country] ?? [] }

    func validated() throws(DomainError) -> CallbackNumberRules {
        for (field, list) in [("allowedNumbers", allowed), ("refusedNumbers", refused ?? [])] {
            guard list.count <= 100 else { throw .invalid(field: field, "At most 100 prefixes") }
            for (index, prefix) in list.enumerated() {
                let digits = prefix.unicodeScalars.dropFirst()
                guard prefix.hasPrefix("+"), (1...15).contains(digits.count), digits.allSatisfy(\.isASCIIDigit) else {
                    throw .invalid(field: "\(field)[\(index)]", "A prefix is + and 1 to 15 digits (international form)")
                }
            }
        }
        return CallbackNumberRules(allowed: Array(Set(allowed)).sorted(), refused: refused.map { Array(Set($0)).sorted() })
    }

    /// The visitor's number as the group will call it, or the refusal a visitor reads.
    ///
    /// The number must be a public number (international form through the dialing plan's prefixes, or national with
    /// the trunk prefix `0`), between 6 and 15 digits, allowed and not refused. `dialled` is what the PBX is sent.
    public func check(_ typed: String, plan: DialingPlan) throws(DomainError) -> (international: String, dialled: String) {
        let malformed = DomainError(.invalid, code: "invalid_number", "This is not a phone number: digits, spaces and a leading + only", field: "number")
        let trimmed = typed.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.unicodeScalars.count <= DialingPlan.maxNumberLength,
            trimmed.unicodeScalars.allSatisfy({ $0.isASCIIDigit || " .-()/".unicodeScalars.contains($0) || $0 == "+" }),
            !trimmed.dropFirst().contains("+")
        else { throw malformed }
        let number = DialingPlan.dialable(DialingPlan.cleaned(trimmed))
        let settings = plan.settings
        let country = settings.localCountryPrefix
        let international: String
        if number.hasPrefix("+") {
            international = number
        } else if !settings.internationalPrefix.isEmpty, number.hasPrefix(settings.internationalPrefix) {
            international = "+" + number.dropFirst(settings.internationalPrefix.count)
        } else if !country.isEmpty, number.hasPrefix(DialingPlan.nationalTrunkPrefix), number.count > settings.internalLength {
            international = "+" + country + number.dropFirst(DialingPlan.nationalTrunkPrefix.count)
        } else {
            throw DomainError(.unprocessable, code: "callback_number_refused", "Please give a full phone number, with its area code", field: "number")
        }
        let digits = international.dropFirst()
        guard digits.allSatisfy(\.isASCIIDigit) else { throw malformed }
        // The shape was a number; one too short or too long for E.164 is not one the group can call.
        guard (6...15).contains(digits.count) else {
            throw DomainError(.unprocessable, code: "callback_number_refused", "Please give a full phone number, with its area code", field: "number")
        }
        let isNational = !country.isEmpty && digits.hasPrefix(country)
        let allowedHere = allowed.isEmpty ? isNational : allowed.contains { international.hasPrefix($0) }
        guard allowedHere, !refusedPrefixes(country: country).contains(where: { international.hasPrefix($0) }) else {
            throw DomainError(.unprocessable, code: "callback_number_refused", "This number cannot be called back from here", field: "number")
        }
        // National numbers are dialled in their national form, as a user of the domain would dial them.
        let local = isNational ? DialingPlan.nationalTrunkPrefix + digits.dropFirst(country.count) : international
        do {
            return (international, try plan.transform(local).number)
        } catch {
            throw DomainError(.unprocessable, code: "callback_number_refused", "This number cannot be called back from here", field: "number")
        }
    }
}

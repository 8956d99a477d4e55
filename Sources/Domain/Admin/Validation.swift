import Foundation

extension Unicode.Scalar {
    /// `0`–`9`: the digits the contract's patterns mean by `[0-9]`.
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension String {
    /// The string of these code points, as they are (no grapheme joins them differently).
    init(scalars: some Sequence<Unicode.Scalar>) {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        self.init(view)
    }
}

/// Field checks shared by the admin operations, each naming the field at fault.
///
/// Lengths count Unicode code points, the unit of the contract's `minLength`/`maxLength` (JSON Schema), so a value the
/// contract allows is never refused for its length and the other way round.
enum Check {
    /// A name: at most `max` characters, no control characters (Unicode Cc: C0, DEL, C1), and something besides spaces;
    /// stored without its leading and trailing spaces. The contract writes this as a `pattern` on each name.
    static func name(_ value: String, field: String, max: Int = 128) throws(DomainError) -> String {
        guard value.unicodeScalars.count <= max else { throw .invalid(field: field, "\(field) takes at most \(max) characters") }
        guard !value.unicodeScalars.contains(where: PasswordPolicy.isControl) else {
            throw .invalid(field: field, "\(field) may not contain control characters")
        }
        guard value.unicodeScalars.contains(where: { !isSpace($0) }) else { throw .invalid(field: field, "\(field) may not be empty") }
        return value.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The spaces a name may not consist of: Unicode's space separators (Zs) and the line and paragraph separators,
    /// listed as the contract's patterns list them (`' \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000'`).
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    static func text(_ value: String, field: String, max: Int = 256) throws(DomainError) -> String {
        guard value.unicodeScalars.count <= max else { throw .invalid(field: field, "\(field) takes at most \(max) characters") }
        return value.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Empty, or an address with an "@" and neither spaces nor control characters, at most 256 characters (contract
    /// pattern `^(?:[^CONTROLS SPACES]*@[^CONTROLS SPACES]*)?$`).
    static func mail(_ value: String, field: String) throws(DomainError) -> String {
        guard value.unicodeScalars.count <= 256 else { throw .invalid(field: field, "\(field) takes at most 256 characters") }
        guard value.isEmpty || (value.unicodeScalars.contains("@") && !value.unicodeScalars.contains(where: { isSpace($0) || PasswordPolicy.isControl($0) }))
        else { throw .invalid(field: field, "\(field) is not an e-mail address") }
        return value
    }

    /// Whether `text` holds `part` code point by code point (String's own `contains` compares whole characters, so a
    /// mark after "}" would hide "{0}" from it while the contract's pattern sees it).
    static func contains(_ text: String, _ part: String) -> Bool {
        let text = Array(text.unicodeScalars), part = Array(part.unicodeScalars)
        guard !part.isEmpty, text.count >= part.count else { return part.isEmpty }
        return (0...(text.count - part.count)).contains { start in text[start..<(start + part.count)].elementsEqual(part) }
    }

    static func range(_ value: Int, _ range: ClosedRange<Int>, field: String) throws(DomainError) {
        guard range.contains(value) else { throw .invalid(field: field, "\(field) must be between \(range.lowerBound) and \(range.upperBound)") }
    }

    /// A device or mobile number: digits, `*` and `#`, optionally after a leading `+`, at most 32 keys (contract pattern
    /// `^\+?[0-9*#]{1,32}$`).
    static func number(_ value: String, field: String) throws(DomainError) -> String {
        let body = value.unicodeScalars.first == "+" ? value.unicodeScalars.dropFirst() : value.unicodeScalars[...]
        guard !body.isEmpty, body.count <= 32, body.allSatisfy({ $0.isASCIIDigit || $0 == "*" || $0 == "#" }) else {
            throw .invalid(field: field, "\(field) must be a phone number (digits, * or #, optional leading +)")
        }
        return value
    }

    static func digits(_ value: String, field: String, max: Int = 8) throws(DomainError) -> String {
        guard value.unicodeScalars.count <= max, value.unicodeScalars.allSatisfy(\.isASCIIDigit) else {
            throw .invalid(field: field, "\(field) takes up to \(max) digits")
        }
        return value
    }
}

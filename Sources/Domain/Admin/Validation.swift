import Foundation

/// Field checks shared by the admin operations, each naming the field at fault.
enum Check {
    static func name(_ value: String, field: String, max: Int = 128) throws(DomainError) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .invalid(field: field, "\(field) may not be empty") }
        guard trimmed.count <= max else { throw .invalid(field: field, "\(field) takes at most \(max) characters") }
        guard !trimmed.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw .invalid(field: field, "\(field) may not contain control characters")
        }
        return trimmed
    }

    static func text(_ value: String, field: String, max: Int = 256) throws(DomainError) -> String {
        guard value.count <= max else { throw .invalid(field: field, "\(field) takes at most \(max) characters") }
        return value.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func range(_ value: Int, _ range: ClosedRange<Int>, field: String) throws(DomainError) {
        guard range.contains(value) else { throw .invalid(field: field, "\(field) must be between \(range.lowerBound) and \(range.upperBound)") }
    }

    /// A dialable number: digits, optionally a leading `+`, and `*`/`#`.
    static func number(_ value: String, field: String) throws(DomainError) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        let allowed = CharacterSet(charactersIn: "0123456789*#")
        let body = trimmed.hasPrefix("+") ? String(trimmed.dropFirst()) : trimmed
        guard !body.isEmpty, body.count <= 32, body.unicodeScalars.allSatisfy({ allowed.contains($0) }) else {
            throw .invalid(field: field, "\(field) must be a phone number (digits, * or #, optional leading +)")
        }
        return trimmed
    }

    static func digits(_ value: String, field: String, max: Int = 8) throws(DomainError) -> String {
        guard value.count <= max, value.allSatisfy(\.isASCII), value.allSatisfy(\.isNumber) else {
            throw .invalid(field: field, "\(field) takes up to \(max) digits")
        }
        return value
    }
}

import Crypto
import Foundation

/// Where a contact field comes from: a source attribute or column, and the options applied to its value in order.
public struct FieldMapping: Sendable, Equatable {
    /// The source attribute or column name, lower-cased.
    public var source: String
    public var options: [FieldOption]
    /// The text as the administrator wrote it, e.g. `Surname|h,u,p : 9{0} : ^[0-9]{4}$`.
    public var text: String
    private let expressions: [NSRegularExpression?]

    public static func == (lhs: FieldMapping, rhs: FieldMapping) -> Bool { lhs.text == rhs.text }

    /// Parses `name[|option,option,…]`; a `p` option takes the rest of the text when its regular expression holds commas.
    /// The name is any text without control characters (a column of a CSV file or a database, an LDAP attribute): it is
    /// only looked up among what the source returns. The contract's `FieldMap` pattern spells the same grammar.
    public init(_ text: String, field: String = "fieldMap") throws(DomainError) {
        guard text.unicodeScalars.count <= 512 else { throw .invalid(field: field, "\(field) takes at most 512 characters") }
        guard !text.unicodeScalars.contains(where: PasswordPolicy.isControl) else {
            throw .invalid(field: field, "\(field) may not contain control characters")
        }
        // Read by code point (a mark after ":" or "(" must not hide it), spaces as the contract's pattern lists them.
        let scalars = Array(text.unicodeScalars)
        func trimmed(_ part: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
            var part = part
            while let first = part.first, Check.isSpace(first) { part.removeFirst() }
            while let last = part.last, Check.isSpace(last) { part.removeLast() }
            return part
        }
        let whole = trimmed(scalars[...])
        let bar = whole.firstIndex(of: "|")
        let source = String(scalars: trimmed(whole[..<(bar ?? whole.endIndex)])).lowercased()
        guard !source.isEmpty else { throw .invalid(field: field, "\(field) names no source attribute before |") }
        var options: [FieldOption] = []
        var expressions: [NSRegularExpression?] = []
        if let bar {
            var rest = whole[(bar + 1)...]
            let letters: [Unicode.Scalar: FieldOption] = ["a": .address, "h": .hash, "i": .invisible, "l": .lowercase, "u": .uppercase, "m": .capitalized]
            while let first = rest.first {
                let letter = ("A"..."Z").contains(first) ? Unicode.Scalar(first.value + 0x20)! : first
                if first == " " || first == "," {
                    rest = rest.dropFirst()
                } else if let option = letters[letter] {
                    let item = rest.prefix { $0 != "," }
                    guard trimmed(item).count == 1 else {
                        throw .invalid(field: field, "\(field): unknown option \"\(String(scalars: trimmed(item)))\" (a, h, i, l, m, u or p)")
                    }
                    options.append(option)
                    expressions.append(nil)
                    rest = rest.drop { $0 != "," }.dropFirst()
                } else if first == "p" || first == "P" {
                    // p : FORMAT : REGEX: the format ends at the next ":", the expression runs to the end of the text
                    // (a regular expression may hold commas, so a `p` option is the last one).
                    let body = rest.dropFirst().drop { $0 == " " }
                    guard body.first == ":" else { throw .invalid(field: field, "\(field): option p is written p : FORMAT{0} : REGEX") }
                    let afterColon = body.dropFirst()
                    let colon = afterColon.firstIndex(of: ":")
                    let format = String(scalars: trimmed(afterColon[..<(colon ?? afterColon.endIndex)]))
                    guard Check.contains(format, "{0}") else { throw .invalid(field: field, "\(field): the format of option p must contain {0}") }
                    let pattern = colon.map { String(scalars: trimmed(afterColon[($0 + 1)...])) } ?? ""
                    var expression: NSRegularExpression?
                    if !pattern.isEmpty {
                        do {
                            expression = try NSRegularExpression(pattern: pattern)
                        } catch {
                            // The contract's pattern cannot tell a regular expression that compiles: 422, not 400.
                            throw DomainError(.unprocessable, code: "unusable_field_map", "\(field): \"\(pattern)\" is not a regular expression", field: field)
                        }
                    }
                    options.append(.decorate(format: format, pattern: pattern.isEmpty ? nil : pattern))
                    expressions.append(expression)
                    rest = rest[rest.endIndex...]
                } else {
                    throw .invalid(field: field, "\(field): unknown option \"\(String(scalars: rest.prefix(1)))\" (a, h, i, l, m, u or p)")
                }
            }
        }
        self.source = source
        self.options = options
        self.text = String(scalars: whole)
        self.expressions = expressions
    }

    public var isInvisible: Bool { options.contains(.invisible) }
    public var isAddress: Bool { options.contains(.address) }

    /// The value after the options, in the order written.
    public func transform(_ value: String) -> String {
        var value = value
        for (option, expression) in zip(options, expressions) {
            switch option {
            case .address, .invisible: break
            case .hash: value = SHA256.hash(data: Array(value.utf8)).map { String(format: "%02x", $0) }.joined()
            case .lowercase: value = value.lowercased()
            case .uppercase: value = value.uppercased()
            case .capitalized: value = value.prefix(1).uppercased() + value.dropFirst().lowercased()
            case .decorate(let format, _):
                let matches = expression.map { $0.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil } ?? true
                if matches { value = format.replacingOccurrences(of: "{0}", with: value) }
            }
        }
        return value
    }
}

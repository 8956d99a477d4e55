import Crypto
import Foundation

/// A contact field of the server's directory model (admin guide 8.1 "Fields tab").
public enum ContactField: String, Codable, Sendable, CaseIterable {
    case id, lastName, firstName, company, picture
    case assistantPhone, assistantRedList
    case standardPhone, standardRedList
    case professionalPhone, professionalRedList
    case mobilePhone, mobileRedList
    case personalPhone, personalRedList
    case mail1, mail2, url
    case private0, private1, private2, private3, private4, private5, private6, private7, private8, private9

    /// The private fields 0–9, in order.
    public static let privateFields: [ContactField] = [
        .private0, .private1, .private2, .private3, .private4, .private5, .private6, .private7, .private8, .private9,
    ]

    /// The private field `index` (0–9).
    public static func privateField(_ index: Int) -> ContactField { privateFields[index] }

    /// For a private field, its index.
    public var privateIndex: Int? {
        guard rawValue.hasPrefix("private"), let index = Int(rawValue.dropFirst("private".count)) else { return nil }
        return index
    }
}

/// One transformation of a mapped value, written after `|` in the field map (admin guide 8.1 "Adding options").
public enum FieldOption: Sendable, Equatable {
    /// `a`: the value is a postal address, shown with a link to the map service (`MapServiceURL`).
    case address
    /// `h`: the value is replaced by its SHA-256 (lower-case hex).
    case hash
    /// `i`: hidden in the contact card (Caller), still given to the Alerter (reverse lookup).
    case invisible
    /// `l`, `u`, `m`: lower case, upper case, first letter capital and the rest lower case.
    case lowercase, uppercase, capitalized
    /// `p : FORMAT : REGEX`: the value becomes FORMAT with `{0}` replaced by it, when it matches REGEX (or always).
    case decorate(format: String, pattern: String?)
}

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

/// A private field's label and mapping; the label `[VIP]` makes it the VIP field (admin guide 8.2.3).
public struct PrivateFieldMapping: Sendable, Equatable {
    public static let vipLabel = "[VIP]"
    public var label: String
    public var mapping: FieldMapping
    public var isVIP: Bool { label.trimmingCharacters(in: .whitespaces).uppercased() == Self.vipLabel }
}

/// How a directory's source attributes fill contact fields. Stored and exchanged as `{field: "attr|options"}` plus
/// private field labels.
public struct FieldMap: Sendable, Equatable, Codable {
    public private(set) var mappings: [ContactField: FieldMapping]
    /// Labels of private fields 0–9 (index → label), chosen by the administrator.
    public private(set) var privateLabels: [Int: String]

    public init(_ texts: [ContactField: String], privateLabels: [Int: String] = [:]) throws(DomainError) {
        var mappings: [ContactField: FieldMapping] = [:]
        for (field, text) in texts {
            guard text.unicodeScalars.contains(where: { !Check.isSpace($0) }) else {
                guard text.unicodeScalars.count <= 512 else { throw .invalid(field: "fieldMap.\(field.rawValue)", "takes at most 512 characters") }
                continue  // blank: the field is not mapped
            }
            mappings[field] = try FieldMapping(text, field: "fieldMap.\(field.rawValue)")
        }
        for (index, label) in privateLabels {
            guard (0..<10).contains(index) else { throw .invalid(field: "privateLabels", "Private fields are numbered 0 to 9") }
            guard label.unicodeScalars.count <= 64 else { throw .invalid(field: "privateLabels.\(index)", "A label takes at most 64 characters") }
        }
        self.mappings = mappings
        self.privateLabels = privateLabels.filter { !$0.value.trimmingCharacters(in: .whitespaces).isEmpty }
        vipField = self.privateLabels.filter { $0.value.trimmingCharacters(in: .whitespaces).uppercased() == PrivateFieldMapping.vipLabel }
            .keys.min().map(ContactField.privateField)
        invisibleFields = Set(mappings.filter { $0.value.isInvisible }.keys)
        addressFields = Set(mappings.filter { $0.value.isAddress }.keys)
    }

    /// The private field whose label is `[VIP]`, if any (the lowest numbered, should several be).
    public let vipField: ContactField?
    /// Fields with option `i` and with option `a`: what a contact card asks of every field of every card it builds.
    public let invisibleFields: Set<ContactField>
    public let addressFields: Set<ContactField>

    public static let empty = try! FieldMap([:])

    public subscript(field: ContactField) -> FieldMapping? { mappings[field] }

    /// The lower-cased source names the map reads (what an LDAP search asks for).
    public var sourceAttributes: [String] { Array(Set(mappings.values.map(\.source))).sorted() }

    /// The map as the administrator wrote it.
    public var texts: [ContactField: String] { mappings.mapValues(\.text) }

    // Stored as {"fields": {"lastName": "sn|u"}, "privateLabels": {"0": "[VIP]"}}.
    private enum CodingKeys: String, CodingKey { case fields, privateLabels }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let fields = try container.decode([String: String].self, forKey: .fields)
        let labels = try container.decodeIfPresent([String: String].self, forKey: .privateLabels) ?? [:]
        var texts: [ContactField: String] = [:]
        for (key, value) in fields { if let field = ContactField(rawValue: key) { texts[field] = value } }
        try self.init(texts, privateLabels: Dictionary(uniqueKeysWithValues: labels.compactMap { key, value in Int(key).map { ($0, value) } }))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Dictionary(uniqueKeysWithValues: mappings.map { ($0.key.rawValue, $0.value.text) }), forKey: .fields)
        try container.encode(Dictionary(uniqueKeysWithValues: privateLabels.map { (String($0.key), $0.value) }), forKey: .privateLabels)
    }

    /// The guide's default LDAP map (8.1), with an ID of `uid` (inetOrgPerson) or `samaccountname` (Active Directory).
    public static func ldapDefault(activeDirectory: Bool = false) -> FieldMap {
        try! FieldMap([
            .id: activeDirectory ? "samaccountname" : "uid", .lastName: "sn", .firstName: "givenname", .company: "o",
            .professionalPhone: "telephonenumber", .mobilePhone: "mobile", .personalPhone: "homephone", .mail1: "mail",
        ])
    }
}

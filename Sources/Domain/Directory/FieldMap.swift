import Crypto
import Foundation

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

    /// Whether `field` has option `i` / option `a`. Most maps have neither option anywhere: the empty check saves
    /// hashing every field of every card a search builds.
    public func isInvisible(_ field: ContactField) -> Bool { !invisibleFields.isEmpty && invisibleFields.contains(field) }
    public func isAddress(_ field: ContactField) -> Bool { !addressFields.isEmpty && addressFields.contains(field) }

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

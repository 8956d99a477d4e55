import Foundation

/// A phone number of a contact, and whether the red list hides it from clients (admin guide 8.2.4).
public struct ContactPhone: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case assistant, standard, professional, mobile, personal
    }
    public var kind: Kind
    public var number: String
    /// Never sent to clients; reverse lookup still names the caller.
    public var redListed: Bool

    public init(kind: Kind, number: String, redListed: Bool = false) {
        self.kind = kind
        self.number = number
        self.redListed = redListed
    }

    /// The red-list values of the guide: "1", "true", "yes", "y", "lr" or "rf" hide the number.
    public static func isRedListValue(_ value: String?) -> Bool {
        guard let value else { return false }
        return ["1", "true", "yes", "y", "lr", "rf"].contains(value.trimmedWhitespace.lowercased())
    }
}

/// A contact of a directory: synchronised from a source, created by an administrator (public TWS contacts), or a
/// user's private contact (`ownerUserId`). The `search…` and `phoneKeys` fields are what the contact index searches
/// (`ContactIndex`) and `scope` says who may read it; they are derived by `indexed(plan:)` and never shown.
public struct Contact: CompanyScoped, Codable, Equatable {
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    public var directoryId: Int64
    /// The owner of a private contact; nil for everyone else.
    public var ownerUserId: Int64?
    /// The source's ID (the mapped `ID` field), unique in the directory; a generated one for contacts made here.
    public var externalId: String
    public var lastName: String
    public var firstName: String
    public var company: String
    public var picture: String
    public var phones: [ContactPhone]
    public var mail1: String
    public var mail2: String
    public var url: String
    /// Private fields 0–9.
    public var privateFields: [String]
    /// The `[VIP]` field's value: non-empty makes the contact a VIP.
    public var vip: String
    /// Lower-cased `mail1`, for merging contacts across directories (admin guide 8.2.2); empty when not merged.
    public var mergeKey: String
    /// Digest of the synchronised values: a row read again unchanged is not rewritten.
    public var contentHash: String
    /// Digest of the source row this contact was mapped from and of the mapping (`ContactMapping.SourceDigest`): a
    /// row read again with the same digest is not mapped again. 0 for contacts not synchronised, or not yet so.
    public var sourceDigest: Int64
    /// The synchronisation that last wrote this row (one that reads it unchanged leaves it alone).
    public var syncGeneration: Int64
    public var searchName: String
    public var searchCompany: String
    public var searchMail: String
    /// Digit forms of the numbers that are not red-listed (a red-listed number must not be found by search).
    public var searchNumbers: String
    /// Canonical keys of every number, red-listed ones too, for reverse lookup only.
    public var phoneKeys: String
    /// Who may find the contact: `d<directoryId>`, or `u<ownerUserId>` for a private contact.
    public var scope: String

    public init(
        id: Int64? = nil,
        companyId: Int64,
        domainId: Int64,
        directoryId: Int64,
        ownerUserId: Int64? = nil,
        externalId: String,
        lastName: String = "",
        firstName: String = "",
        company: String = "",
        picture: String = "",
        phones: [ContactPhone] = [],
        mail1: String = "",
        mail2: String = "",
        url: String = "",
        privateFields: [String] = Array(repeating: "", count: 10),
        vip: String = ""
    ) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.directoryId = directoryId
        self.ownerUserId = ownerUserId
        self.externalId = externalId
        self.lastName = lastName
        self.firstName = firstName
        self.company = company
        self.picture = picture
        self.phones = phones
        self.mail1 = mail1
        self.mail2 = mail2
        self.url = url
        self.privateFields = privateFields
        self.vip = vip
        self.mergeKey = ""
        self.contentHash = ""
        self.sourceDigest = 0
        self.syncGeneration = 0
        self.searchName = ""
        self.searchCompany = ""
        self.searchMail = ""
        self.searchNumbers = ""
        self.phoneKeys = ""
        self.scope = ""
    }

    /// The display name: "First Last", or whichever is set.
    public var displayName: String {
        [firstName, lastName].filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The contact with its derived fields filled: search text, phone keys in the domain's number forms, scope,
    /// merge key and content digest.
    public func indexed(plan: DialingPlanSettings, merge: Bool) -> Contact {
        var contact = self
        contact.searchName = [firstName, lastName].joined(separator: " ")
        contact.searchCompany = company
        contact.searchMail = [mail1, mail2].joined(separator: " ")
        var numbers: [String] = []
        var keys: [String] = []
        for phone in phones {
            guard let (key, forms) = PhoneKey.indexForms(phone.number, plan: plan) else { continue }
            if !keys.contains(key) { keys.append(key) }
            guard !phone.redListed else { continue }
            for form in forms where !numbers.contains(form) { numbers.append(form) }
        }
        contact.searchNumbers = numbers.joined(separator: " ")
        contact.phoneKeys = keys.joined(separator: " ")
        contact.scope = ownerUserId.map { "u\($0)" } ?? "d\(directoryId)"
        contact.mergeKey = merge ? mail1.trimmedWhitespace.lowercased() : ""
        contact.contentHash = contentDigest
        return contact
    }

    /// A digest of what a source gives (not the derived fields): 64-bit FNV-1a, enough to tell whether the row
    /// with the same ID changed, and far cheaper than a cryptographic hash at 500,000 rows.
    var contentDigest: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ text: String) {
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            hash ^= 0x1f
            hash = hash &* 0x0000_0100_0000_01b3
        }
        for part in [externalId, lastName, firstName, company, picture, mail1, mail2, url, vip] { mix(part) }
        for field in privateFields { mix(field) }
        for phone in phones {
            mix(phone.kind.rawValue)
            mix(phone.number)
            mix(phone.redListed ? "1" : "0")
        }
        return String(hash, radix: 16)
    }
}

/// The one form a number is indexed and looked up in, whatever way it was written: digits only, international
/// numbers with their country code ("+33 1 55 17 18 89", "0155171889" and "0033155171889" all give "33155171889"),
/// internal numbers as they are.
public enum PhoneKey {
    /// The key of `number`, or nil when it holds no digit.
    public static func key(_ number: String, plan: DialingPlanSettings) -> String? {
        key(digitsAndSign(number), plan: plan)
    }

    private static func key(_ written: (digits: String, international: Bool), plan: DialingPlanSettings) -> String? {
        let (digits, international) = written
        guard !digits.isEmpty, digits.count <= 32 else { return nil }
        if international { return digits }
        if !plan.internationalPrefix.isEmpty, digits.hasPrefix(plan.internationalPrefix), digits.count > plan.internalReverseLength {
            return String(digits.dropFirst(plan.internationalPrefix.count))
        }
        if !plan.localCountryPrefix.isEmpty, digits.hasPrefix(DialingPlan.nationalTrunkPrefix), digits.count > plan.internalReverseLength {
            return plan.localCountryPrefix + digits.dropFirst(DialingPlan.nationalTrunkPrefix.count)
        }
        return digits
    }

    /// The digits of a number and whether it is written in international form (a "+" first). "+33 (0)1 55…": the
    /// "(0)" is the trunk prefix written for national callers, not part of the number. ASCII (nearly every number)
    /// is read byte by byte: Foundation's replacing and Character filtering took a seventh of a synchronisation.
    static func digitsAndSign(_ number: String) -> (digits: String, international: Bool) {
        guard number.utf8.allSatisfy({ $0 < 0x80 }) else {
            let written = number.replacingOccurrences(of: "(0)", with: "")
            return (String(written.filter(\.isASCIIDigit)), written.unicodeScalars.first { !$0.properties.isWhitespace } == "+")
        }
        let bytes = Array(number.utf8)
        var digits: [UInt8] = []
        digits.reserveCapacity(bytes.count)
        var first: UInt8?
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "("), index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "0"), bytes[index + 2] == UInt8(ascii: ")") {
                index += 3
                continue
            }
            // White_Space in ASCII: tab to carriage return, and space.
            if first == nil, !(0x09...0x0D).contains(byte), byte != 0x20 { first = byte }
            if (0x30...0x39).contains(byte) { digits.append(byte) }
            index += 1
        }
        return (String(decoding: digits, as: UTF8.self), first == UInt8(ascii: "+"))
    }

    /// The key of `number` and the digit strings a user may start typing to find it (as written, international and
    /// national forms), from one reading of its digits; nil when it holds no digit.
    static func indexForms(_ number: String, plan: DialingPlanSettings) -> (key: String, searchForms: [String])? {
        let written = digitsAndSign(number)
        guard let key = key(written, plan: plan) else { return nil }
        var forms = [written.digits, key]
        if !plan.localCountryPrefix.isEmpty, key.hasPrefix(plan.localCountryPrefix), key.count > plan.internalReverseLength {
            forms.append(DialingPlan.nationalTrunkPrefix + key.dropFirst(plan.localCountryPrefix.count))
        }
        return (key, forms)
    }
}

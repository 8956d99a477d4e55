/// A user's list of contacts (favourites): private to its owner, or public to the users of the owner's domain when
/// the owner holds `AuthorizePublicList`. Readers only ever see the members from directories they may read.
public struct ContactList: CompanyScoped, Codable, Equatable {
    public static let maxContacts = 500
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    public var ownerUserId: Int64
    public var name: String
    public var isPublic: Bool
    public var contactIds: [Int64]

    public init(
        id: Int64? = nil,
        companyId: Int64,
        domainId: Int64,
        ownerUserId: Int64,
        name: String,
        isPublic: Bool = false,
        contactIds: [Int64] = []
    ) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.ownerUserId = ownerUserId
        self.name = name
        self.isPublic = isPublic
        self.contactIds = contactIds
    }
}

/// A contact list with the cards of the members the reader may see.
public struct ContactListView: Sendable, Equatable {
    public var list: ContactList
    public var cards: [ContactCard]
    /// True when the reader owns the list (and may change it).
    public var owned: Bool
}

/// The fields of a contact made by hand: a user's private contact or an administrator's public TWS contact.
/// Nil leaves a field unchanged on update.
public struct ContactChanges: Sendable {
    public var lastName: String?
    public var firstName: String?
    public var company: String?
    public var phones: [ContactPhone]?
    public var mail1: String?
    public var mail2: String?
    public var url: String?

    public init(
        lastName: String? = nil,
        firstName: String? = nil,
        company: String? = nil,
        phones: [ContactPhone]? = nil,
        mail1: String? = nil,
        mail2: String? = nil,
        url: String? = nil
    ) {
        self.lastName = lastName
        self.firstName = firstName
        self.company = company
        self.phones = phones
        self.mail1 = mail1
        self.mail2 = mail2
        self.url = url
    }

    func apply(to contact: inout Contact) throws(DomainError) {
        if let lastName { contact.lastName = try Check.text(lastName, field: "lastName", max: 128) }
        if let firstName { contact.firstName = try Check.text(firstName, field: "firstName", max: 128) }
        if let company { contact.company = try Check.text(company, field: "company", max: 256) }
        if let mail1 { contact.mail1 = try Check.mail(mail1, field: "mail1") }
        if let mail2 { contact.mail2 = try Check.mail(mail2, field: "mail2") }
        if let url { contact.url = try Check.text(url, field: "url", max: 512) }
        if let phones {
            guard phones.count <= ContactPhone.Kind.allCases.count, Set(phones.map(\.kind)).count == phones.count else {
                throw .invalid(field: "phones", "At most one number of each kind")
            }
            contact.phones = try phones.enumerated().map { index, phone throws(DomainError) in
                ContactPhone(
                    kind: phone.kind,
                    number: try Self.phoneNumber(phone.number, field: "phones[\(index)].number"),
                    redListed: phone.redListed
                )
            }
        }
        guard !contact.lastName.isEmpty || !contact.firstName.isEmpty || !contact.company.isEmpty else {
            throw .invalid(field: "lastName", "A contact needs a name or a company")
        }
    }

    /// A number as people write it in a directory: digits with spaces, dots, dashes, slashes, "+" and "(0)"; stored
    /// without its outer spaces. Contract pattern: `^[ +\-./()*#]*[0-9][0-9 +\-./()*#]*$`, at most 40 characters.
    private static func phoneNumber(_ value: String, field: String) throws(DomainError) -> String {
        let scalars = value.unicodeScalars
        guard scalars.count <= 40, scalars.contains(where: \.isASCIIDigit),
            scalars.allSatisfy({ $0.isASCIIDigit || " +-./()*#".unicodeScalars.contains($0) })
        else { throw .invalid(field: field, "\(field) must be a phone number (digits, spaces, + . - / ( ) * #)") }
        return value.trimmingCharacters(in: .whitespaces)
    }
}

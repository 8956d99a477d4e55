import Foundation

/// A contact as clients see it: one contact, or several of merge-enabled directories sharing an e-mail address merged
/// field by field (lowest directory priority number first). Red-listed numbers are left out, and in search results
/// the fields an administrator made invisible (option `i`) too.
public struct ContactCard: Sendable, Equatable {
    public struct Phone: Sendable, Equatable {
        public var kind: ContactPhone.Kind
        public var number: String
    }
    public struct PrivateField: Sendable, Equatable {
        public var index: Int
        public var label: String
        public var value: String
    }
    /// A field holding a postal address (option `a`) and its link to the map service.
    public struct MapLink: Sendable, Equatable {
        public var field: ContactField
        public var url: String
    }

    /// The contact that gave the card its identity (the one of the lowest priority number).
    public var id: Int64
    public var directoryId: Int64
    public var directoryName: String
    /// True for the user's own private contact (editable by them).
    public var isPrivate: Bool
    /// The identity contact's id in its source (LDAP entry, SQL key, CSV column; a UUID for private contacts).
    public var externalId: String
    public var lastName: String?
    public var firstName: String?
    public var company: String?
    public var picture: String?
    public var phones: [Phone]
    public var mail1: String?
    public var mail2: String?
    public var url: String?
    public var privateFields: [PrivateField]
    public var mapLinks: [MapLink]
    /// A VIP contact (admin guide 8.2.3) and what its `[VIP]` field says.
    public var vip: Bool
    public var vipInfo: String?
    /// Every contact merged into the card, the card's own first.
    public var contactIds: [Int64]

    public var displayName: String { [firstName, lastName].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ") }

    /// Merges `contacts` (sorted by priority, best first) into one card. `showInvisible` keeps fields marked `i`
    /// (the Alerter's incoming-call card); search results leave them out.
    static func merging(_ group: [(Contact, Directory)], showInvisible: Bool, mapServiceURL: String) -> ContactCard {
        // Each member is copied once, into a box: reading the (Contact, Directory) pairs of the array, with a for-in
        // loop or by index, copied the whole pair, retaining and releasing every string of both, for each field of
        // each card (perf, issue 22: a tenth of a 1-word search, which builds 17 cards).
        let contacts = group.map { CardMember(contact: $0.0, directory: $0.1) }
        let first = contacts[0].contact
        var card = ContactCard(
            id: first.id ?? 0,
            directoryId: contacts[0].directory.id ?? 0,
            directoryName: contacts[0].directory.name,
            isPrivate: first.ownerUserId != nil,
            externalId: first.externalId,
            phones: [],
            privateFields: [],
            mapLinks: [],
            vip: false,
            contactIds: contacts.compactMap { $0.contact.id }
        )
        func mapLink(_ address: String) -> String? {
            guard !mapServiceURL.isEmpty,
                let encoded = address.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+#")))
            else { return nil }
            return mapServiceURL.replacingOccurrences(of: "{0}", with: encoded)
        }
        func pick(_ field: ContactField, _ value: (Contact) -> String) -> String? {
            for member in contacts {
                let text = value(member.contact)
                guard !text.isEmpty else { continue }
                if !showInvisible && member.directory.fieldMap.isInvisible(field) { continue }
                if member.directory.fieldMap.isAddress(field), let url = mapLink(text) { card.mapLinks.append(MapLink(field: field, url: url)) }
                return text
            }
            return nil
        }
        card.lastName = pick(.lastName) { $0.lastName }
        card.firstName = pick(.firstName) { $0.firstName }
        card.company = pick(.company) { $0.company }
        card.picture = pick(.picture) { $0.picture }
        card.mail1 = pick(.mail1) { $0.mail1 }
        card.mail2 = pick(.mail2) { $0.mail2 }
        card.url = pick(.url) { $0.url }
        for kind in ContactPhone.Kind.allCases {
            // The best directory holding a number of this kind decides; red-listed there means hidden, not replaced.
            for member in contacts {
                guard let phone = member.contact.phones.first(where: { $0.kind == kind }) else { continue }
                if !showInvisible && member.directory.fieldMap.isInvisible(kind.phoneField) { continue }
                if !phone.redListed { card.phones.append(Phone(kind: kind, number: phone.number)) }
                break
            }
        }
        for index in 0..<10 {
            let field = ContactField.privateField(index)
            for member in contacts where index < member.contact.privateFields.count && !member.contact.privateFields[index].isEmpty {
                if member.directory.fieldMap.vipField == field { break }
                if !showInvisible && member.directory.fieldMap.isInvisible(field) { continue }
                let value = member.contact.privateFields[index]
                let label = member.directory.fieldMap.privateLabels[index] ?? "Private \(index)"
                if member.directory.fieldMap.isAddress(field), let url = mapLink(value) { card.mapLinks.append(MapLink(field: field, url: url)) }
                card.privateFields.append(PrivateField(index: index, label: label, value: value))
                break
            }
        }
        if let vip = contacts.first(where: { !$0.contact.vip.isEmpty }) {
            card.vip = true
            card.vipInfo = vip.contact.vip
        }
        return card
    }
}

/// One contact of a card and its directory, boxed so that reading a field copies the field, not the pair.
private final class CardMember {
    let contact: Contact
    let directory: Directory

    init(contact: Contact, directory: Directory) {
        self.contact = contact
        self.directory = directory
    }
}

extension ContactPhone.Kind {
    /// The field-map entry of this kind of number.
    var phoneField: ContactField {
        switch self {
        case .assistant: .assistantPhone
        case .standard: .standardPhone
        case .professional: .professionalPhone
        case .mobile: .mobilePhone
        case .personal: .personalPhone
        }
    }

    /// The field-map entry of this kind's red-list flag.
    var redListField: ContactField {
        switch self {
        case .assistant: .assistantRedList
        case .standard: .standardRedList
        case .professional: .professionalRedList
        case .mobile: .mobileRedList
        case .personal: .personalRedList
        }
    }
}

/// The caller of an incoming call, as reverse lookup found them.
public struct CallerIdentity: Sendable, Equatable {
    /// The number as looked up, normalised by the dialing plan.
    public var number: String
    public var name: String
    public var company: String?
    public var card: ContactCard
    /// The names of every readable directory holding the number (the card's and others'), for the Alerter's
    /// `directory="…"` filters.
    public var foundIn: [String] = []
}

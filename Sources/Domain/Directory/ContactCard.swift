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
    static func merging(_ contacts: [(Contact, Directory)], showInvisible: Bool, mapServiceURL: String) -> ContactCard {
        let (first, firstDirectory) = contacts[0]
        var card = ContactCard(
            id: first.id ?? 0,
            directoryId: firstDirectory.id ?? 0,
            directoryName: firstDirectory.name,
            isPrivate: first.ownerUserId != nil,
            externalId: first.externalId,
            phones: [],
            privateFields: [],
            mapLinks: [],
            vip: false,
            contactIds: contacts.compactMap { $0.0.id }
        )
        func mapLink(_ address: String) -> String? {
            guard !mapServiceURL.isEmpty,
                let encoded = address.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+#")))
            else { return nil }
            return mapServiceURL.replacingOccurrences(of: "{0}", with: encoded)
        }
        // The members are read in place (by index): a search builds 17 cards, and copying each (Contact, Directory)
        // pair out of the array for every field retained and released all of their strings.
        func pick(_ field: ContactField, _ value: (Contact) -> String) -> String? {
            for member in contacts.indices {
                let text = value(contacts[member].0)
                guard !text.isEmpty else { continue }
                if !showInvisible && contacts[member].1.fieldMap.isInvisible(field) { continue }
                if contacts[member].1.fieldMap.isAddress(field), let url = mapLink(text) { card.mapLinks.append(MapLink(field: field, url: url)) }
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
            for member in contacts.indices {
                guard let phone = contacts[member].0.phones.first(where: { $0.kind == kind }) else { continue }
                if !showInvisible && contacts[member].1.fieldMap.isInvisible(kind.phoneField) { continue }
                if !phone.redListed { card.phones.append(Phone(kind: kind, number: phone.number)) }
                break
            }
        }
        for index in 0..<10 {
            let field = ContactField.privateField(index)
            for member in contacts.indices where index < contacts[member].0.privateFields.count && !contacts[member].0.privateFields[index].isEmpty {
                let map = contacts[member].1.fieldMap
                if map.vipField == field { break }
                if !showInvisible && map.isInvisible(field) { continue }
                let value = contacts[member].0.privateFields[index]
                let label = map.privateLabels[index] ?? "Private \(index)"
                if map.isAddress(field), let url = mapLink(value) { card.mapLinks.append(MapLink(field: field, url: url)) }
                card.privateFields.append(PrivateField(index: index, label: label, value: value))
                break
            }
        }
        if let vip = contacts.first(where: { !$0.0.vip.isEmpty }) {
            card.vip = true
            card.vipInfo = vip.0.vip
        }
        return card
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

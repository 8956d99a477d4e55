import Foundation

/// Who is calling, as an incoming-call card needs it (admin guide 9.2.1): the number as shown, and when a directory the
/// called user may read has it, the contact's identity (fields marked `i` included: the Alerter is given them).
public struct ScreenPopCaller: Codable, Sendable, Equatable {
    public var number: String
    public var identified: Bool
    public var contactId: Int64?
    public var directoryId: Int64?
    public var directoryName: String?
    public var displayName: String?
    public var firstName: String?
    public var lastName: String?
    public var company: String?
    public var vip: Bool
    public var vipText: String?
    /// The contact's id in its source, so a CRM can open its own record.
    public var externalId: String?

    public init(number: String) {
        self.number = number
        self.identified = false
        self.vip = false
    }

    /// The caller as found, or only their number when nobody has it.
    public init(number: String, identity: CallerIdentity?) {
        self.init(number: number)
        guard let identity else { return }
        let card = identity.card
        self.identified = true
        self.contactId = card.id
        self.directoryId = card.directoryId
        self.directoryName = card.directoryName
        self.displayName = identity.name.isEmpty ? nil : identity.name
        self.firstName = card.firstName
        self.lastName = card.lastName
        self.company = card.company
        self.vip = card.vip
        self.vipText = card.vipInfo
        self.externalId = card.externalId
    }
}

/// The party that last diverted a call (CSTA `lastRedirectionDevice`), named when someone knows the number.
public struct ScreenPopParty: Codable, Sendable, Equatable {
    public var number: String
    public var name: String?

    public init(number: String, name: String? = nil) {
        self.number = number
        self.name = name
    }
}

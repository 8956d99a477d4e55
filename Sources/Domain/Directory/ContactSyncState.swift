import Foundation

/// What a synchronisation compares of a stored contact when its source row is read again: the digests that tell
/// whether the row, or what it maps to, changed. Read for a batch of rows at once instead of whole contacts.
public struct ContactSyncState: Sendable, Equatable {
    public var id: Int64
    public var externalId: String
    public var sourceDigest: Int64
    public var contentHash: String
    public var mergeKey: String
    public var phoneKeys: String

    public init(id: Int64, externalId: String, sourceDigest: Int64, contentHash: String, mergeKey: String, phoneKeys: String) {
        self.id = id
        self.externalId = externalId
        self.sourceDigest = sourceDigest
        self.contentHash = contentHash
        self.mergeKey = mergeKey
        self.phoneKeys = phoneKeys
    }

    /// Whether `contact`, freshly mapped, says what the stored one says (same values, merge key and phone keys).
    func sameContent(as contact: Contact) -> Bool {
        contentHash == contact.contentHash && mergeKey == contact.mergeKey && phoneKeys == contact.phoneKeys
    }
}

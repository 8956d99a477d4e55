import Foundation

/// The directories a user (or an intercom group or phone queue, for their displays) may read, with what search and
/// presentation need from their parameters (admin guide 7.4.2, 9.1.1, 9.1.8).
public struct DirectoryAccess: Sendable {
    /// Readable directories by id: public ones authorised to the user, one of their groups, or (for queue and
    /// boss/secretary displays) an intercom group or phone queue; drafts never.
    public var directories: [Int64: Directory]
    /// The user's private TWS directory, when they hold the `[TwsPrivate]` right.
    public var privateDirectory: Directory?
    public var userId: Int64?
    /// `AuthorizedAdvancedSearch`.
    public var mayAdvancedSearch: Bool
    /// `AuthorizeContactFavorite`: create, edit and delete private contacts.
    public var mayEditPrivateContacts: Bool
    /// `AuthorizePublicList`.
    public var mayPublishLists: Bool
    /// `MapServiceURL`, `{0}` replaced by the address.
    public var mapServiceURL: String

    /// The scope tokens of everything readable: `d<id>` per directory, `u<userId>` for own private contacts.
    public var scopeTokens: [String] {
        var tokens = directories.keys.sorted().map { "d\($0)" }
        if privateDirectory != nil, let userId { tokens.append("u\(userId)") }
        return tokens
    }

    /// The directory a contact belongs to, when readable by this user.
    public func directory(of contact: Contact) -> Directory? {
        if let owner = contact.ownerUserId {
            return owner == userId && privateDirectory?.id == contact.directoryId ? privateDirectory : nil
        }
        return directories[contact.directoryId]
    }

    /// Reads the user's directory rights and parameters in one transaction.
    public static func of(userId: Int64, _ tx: any StoreTransaction) throws -> DirectoryAccess {
        guard let user = try tx.user(id: userId), user.enabled else { throw DomainError.unauthenticated }
        let groupIds = Set(try tx.groupIds(ofUser: userId))
        let grants = try directoryGrants(companyId: user.companyId, tx).filter {
            ($0.granteeType == .user && $0.granteeId == userId) || ($0.granteeType == .group && groupIds.contains($0.granteeId))
        }
        var access = try readable(ids: Set(grants.compactMap(\.objectId)), companyId: user.companyId, tx)
        access.userId = userId
        // Private contacts live in the user's own domain's private directory, whichever private directory was granted.
        if access.directories.values.contains(where: { $0.source == .twsPrivate }) {
            access.privateDirectory = try tx.privateDirectory(domainId: user.domainId)
        }
        access.directories = access.directories.filter { $0.value.source != .twsPrivate }
        let parameters = try ParameterResolver().resolve(ParameterCatalogue.all.filter { $0.application == .caller }, for: user, in: tx)
        func flag(_ name: String) -> Bool { parameters.first { $0.name == name }?.value == "true" }
        access.mayAdvancedSearch = flag("AuthorizedAdvancedSearch")
        access.mayEditPrivateContacts = flag("AuthorizeContactFavorite")
        access.mayPublishLists = flag("AuthorizePublicList")
        access.mapServiceURL = parameters.first { $0.name == "MapServiceURL" }?.value ?? ""
        return access
    }

    /// The directories authorised to an intercom group or a phone queue (queue and boss/secretary displays).
    public static func of(grantee: GranteeType, id: Int64, companyId: Int64, _ tx: any StoreTransaction) throws -> DirectoryAccess {
        let grants = try directoryGrants(companyId: companyId, tx).filter { $0.granteeType == grantee && $0.granteeId == id }
        var access = try readable(ids: Set(grants.compactMap(\.objectId)), companyId: companyId, tx)
        access.directories = access.directories.filter { $0.value.source != .twsPrivate }
        return access
    }

    private static func directoryGrants(companyId: Int64, _ tx: any StoreTransaction) throws -> [Authorization] {
        try tx.authorizations(companyId: companyId, objectTypes: [.directory])
    }

    private static func readable(ids: Set<Int64>, companyId: Int64, _ tx: any StoreTransaction) throws -> DirectoryAccess {
        let directories = try tx.directories(companyId: companyId, ids: ids.sorted()).filter { $0.kind != .draft }
        return DirectoryAccess(
            directories: Dictionary(uniqueKeysWithValues: directories.map { ($0.id!, $0) }),
            privateDirectory: nil,
            userId: nil,
            mayAdvancedSearch: false,
            mayEditPrivateContacts: false,
            mayPublishLists: false,
            mapServiceURL: ""
        )
    }
}

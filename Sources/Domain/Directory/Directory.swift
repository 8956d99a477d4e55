import Foundation

/// A contact directory of a domain (admin guide 8.1): built-in (public TWS contacts, private TWS contacts, TWS users)
/// or synchronised from an LDAP server, an ODBC database or a CSV file. A draft is disabled; a public directory is
/// read by the users, groups, intercom groups and phone queues authorised to it; the private TWS directory holds each
/// user's own contacts.
public struct Directory: CompanyScoped, Codable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case draft, `public`, `private` }
    public enum Source: String, Codable, Sendable, CaseIterable {
        case twsPublic = "TwsPublic"
        case twsPrivate = "TwsPrivate"
        case twsUsers = "TwsUsers"
        case ldap = "Ldap"
        case sql = "Sql"
        case csv = "Csv"

        /// Built-in directories are kept by the server itself and cannot be deleted.
        public var isBuiltIn: Bool { self == .twsPublic || self == .twsPrivate || self == .twsUsers }
        /// Sources read by a connector.
        public var isExternal: Bool { self == .ldap || self == .sql || self == .csv }
    }
    public var id: Int64?
    public var companyId: Int64
    public var domainId: Int64
    public var name: String
    public var kind: Kind
    public var source: Source
    /// Lowest number wins when contacts are merged or looked up.
    public var priority: Int
    /// Where an external directory reads from; nil for built-in ones.
    public var connection: DirectoryConnection?
    public var fieldMap: FieldMap
    public var synchronization: DirectorySyncSchedule
    /// Contacts sharing an e-mail address with contacts of other merge-enabled directories show as one card.
    public var mergeContacts: Bool
    /// Increases with every synchronisation; rows not read by the last complete one are deleted.
    public var syncGeneration: Int64
    public var lastSync: DirectorySyncReport?

    public init(
        id: Int64? = nil,
        companyId: Int64,
        domainId: Int64,
        name: String,
        kind: Kind,
        source: Source,
        priority: Int,
        connection: DirectoryConnection? = nil,
        fieldMap: FieldMap = .empty,
        synchronization: DirectorySyncSchedule = .manual,
        mergeContacts: Bool = false,
        syncGeneration: Int64 = 0,
        lastSync: DirectorySyncReport? = nil
    ) {
        self.id = id
        self.companyId = companyId
        self.domainId = domainId
        self.name = name
        self.kind = kind
        self.source = source
        self.priority = priority
        self.connection = connection
        self.fieldMap = fieldMap
        self.synchronization = synchronization
        self.mergeContacts = mergeContacts
        self.syncGeneration = syncGeneration
        self.lastSync = lastSync
    }

    /// The directories every new domain gets. TWS users merge by e-mail (admin guide 8.2.2's example).
    public static func builtIns(companyId: Int64, domainId: Int64) -> [Directory] {
        [
            Directory(companyId: companyId, domainId: domainId, name: "TWS public contacts", kind: .public, source: .twsPublic, priority: 10),
            Directory(companyId: companyId, domainId: domainId, name: "TWS private contacts", kind: .private, source: .twsPrivate, priority: 20),
            Directory(
                companyId: companyId,
                domainId: domainId,
                name: "TWS users",
                kind: .public,
                source: .twsUsers,
                priority: 5,
                fieldMap: .twsUsers,
                mergeContacts: true
            ),
        ]
    }
}

/// When a directory synchronises (admin guide 8.2.1): on demand, every day at the system parameter
/// `timeSynchronizationDirectories`, or every N minutes ("Synchro HF").
public enum DirectorySyncSchedule: Codable, Sendable, Equatable {
    case manual
    case daily
    case every(minutes: Int)

    public static let intervalRange = 1...(7 * 24 * 60)
}

/// What one synchronisation did.
public struct DirectorySyncReport: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case running, succeeded, failed }
    public struct Ignored: Codable, Sendable, Equatable {
        public var row: Int
        public var reason: String
        public init(row: Int, reason: String) {
            self.row = row
            self.reason = reason
        }
    }
    public var state: State
    public var startedAt: Date
    public var finishedAt: Date?
    public var read = 0
    public var created = 0
    public var updated = 0
    public var unchanged = 0
    public var deleted = 0
    public var ignored = 0
    /// The first ignored rows and why (at most `maxSamples`).
    public var ignoredSamples: [Ignored] = []
    /// Why the synchronisation failed; the contacts of the previous one are still in place.
    public var error: String?

    public static let maxSamples = 50

    public init(state: State, startedAt: Date) {
        self.state = state
        self.startedAt = startedAt
    }

    mutating func ignore(row: Int, _ reason: String) {
        ignored += 1
        if ignoredSamples.count < Self.maxSamples { ignoredSamples.append(Ignored(row: row, reason: reason)) }
    }
}

extension FieldMap {
    /// The fixed map of the TWS users directory, over the rows `DirectorySynchronizer` makes from users.
    public static let twsUsers = try! FieldMap(
        [
            .id: "id", .lastName: "lastname", .firstName: "firstname", .professionalPhone: "number", .mobilePhone: "mobile", .mail1: "mail",
            .private0: "private0", .private1: "private1", .private2: "private2", .private3: "private3", .private4: "private4",
            .private5: "private5", .private6: "private6", .private7: "private7", .private8: "private8", .private9: "private9",
        ]
    )
}

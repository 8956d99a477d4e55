import Foundation

/// The editable settings of a directory; nil leaves a setting unchanged on update.
public struct DirectoryChanges: Sendable {
    public var name: String?
    public var kind: Directory.Kind?
    public var priority: Int?
    /// For a new directory: LDAP, SQL or CSV (built-in ones exist in every domain).
    public var source: Directory.Source?
    public var connection: DirectoryConnection?
    public var fieldMap: FieldMap?
    public var synchronization: DirectorySyncSchedule?
    public var mergeContacts: Bool?

    public init(
        name: String? = nil,
        kind: Directory.Kind? = nil,
        priority: Int? = nil,
        source: Directory.Source? = nil,
        connection: DirectoryConnection? = nil,
        fieldMap: FieldMap? = nil,
        synchronization: DirectorySyncSchedule? = nil,
        mergeContacts: Bool? = nil
    ) {
        self.name = name
        self.kind = kind
        self.priority = priority
        self.source = source
        self.connection = connection
        self.fieldMap = fieldMap
        self.synchronization = synchronization
        self.mergeContacts = mergeContacts
    }

    func apply(to directory: inout Directory) throws(DomainError) {
        if let name { directory.name = try Check.name(name, field: "name") }
        if let priority {
            try Check.range(priority, 0...9999, field: "priority")
            directory.priority = priority
        }
        if let kind {
            guard directory.source != .twsPrivate || kind != .public else {
                throw DomainError(.conflict, code: "kind_not_allowed", "The TWS private directory holds each user's own contacts and cannot be public", field: "kind")
            }
            guard kind != .private || directory.source == .twsPrivate else {
                throw DomainError(.conflict, code: "kind_not_allowed", "Only the TWS private directory is private; another directory is public or draft", field: "kind")
            }
            directory.kind = kind
        }
        if let synchronization {
            if case .every(let minutes) = synchronization {
                try Check.range(minutes, DirectorySyncSchedule.intervalRange, field: "synchronization.minutes")
            }
            guard synchronization == .manual || directory.source.isExternal || directory.source == .twsUsers else {
                throw DomainError(.conflict, code: "built_in_directory", "\(directory.name) has no source to synchronise", field: "synchronization")
            }
            directory.synchronization = synchronization
        }
        if let mergeContacts { directory.mergeContacts = mergeContacts }
        if let fieldMap {
            guard directory.source.isExternal else {
                throw DomainError(.conflict, code: "built_in_directory", "The field map of a built-in directory is fixed", field: "fieldMap")
            }
            guard fieldMap[.id] != nil else {
                throw .invalid(field: "fieldMap.id", "The field map needs an ID field: it matches rows between synchronisations")
            }
            directory.fieldMap = fieldMap
        }
        if var connection {
            guard directory.source.isExternal else {
                throw DomainError(.conflict, code: "built_in_directory", "A built-in directory has no connection", field: "connection")
            }
            // The answers show the password as ******** : sending that back (or nothing) keeps the stored one.
            switch (connection, directory.connection) {
            case (.ldap(var new), .ldap(let old)?) where new.password.isEmpty || new.password == "********":
                new.password = old.password
                connection = .ldap(new)
            case (.odbc(var new), .odbc(let old)?):
                if new.password.isEmpty || new.password == "********" { new.password = old.password }
                if new.connectionString == ODBCSourceSettings.redactingPassword(old.connectionString) { new.connectionString = old.connectionString }
                connection = .odbc(new)
            default: break
            }
            directory.connection = try Self.checked(connection, source: directory.source)
        }
    }

    /// The connection as stored: checked against the directory's source, an LDAP one with its names trimmed and an
    /// empty filter read as every entry under the base DN.
    static func checked(_ connection: DirectoryConnection, source: Directory.Source) throws(DomainError) -> DirectoryConnection {
        switch (connection, source) {
        case (.ldap(let settings), .ldap):
            var settings = try settings.checked()
            if settings.filter.isEmpty { settings.filter = "(objectClass=*)" }
            return .ldap(settings)
        case (.odbc(let settings), .sql):
            _ = try Check.name(settings.connectionString, field: "connection.connectionString", max: 1024)
            guard !settings.table.isEmpty || !settings.query.isEmpty else {
                throw .invalid(field: "connection.table", "Name a table or write a query")
            }
            guard settings.query.unicodeScalars.count <= 4096, settings.table.unicodeScalars.count <= 256 else {
                throw .invalid(field: "connection.query", "The query is too long")
            }
            return connection
        case (.csv(let settings), .csv):
            _ = try Check.name(settings.path, field: "connection.path", max: 1024)
            guard settings.delimiter.unicodeScalars.count == 1, settings.delimiter != "\"", settings.delimiter != "\n" else {
                throw .invalid(field: "connection.delimiter", "The delimiter is one character other than a quote or a newline")
            }
            return connection
        default:
            // The body is well formed; it does not fit the directory it would change (its source is stored).
            throw DomainError(.conflict, code: "source_mismatch", "The connection does not fit a \(source.rawValue) directory", field: "connection")
        }
    }
}

/// Administration of directories: settings, synchronisation and the public TWS contacts (admin guide 8.1–8.4).
/// Scoped like every admin service: another company's directory answers `not_found`.
public struct DirectoryAdminService: Sendable {
    public let store: any TenantStore
    public let synchronizer: DirectorySynchronizer

    public init(store: any TenantStore, synchronizer: DirectorySynchronizer) {
        self.store = store
        self.synchronizer = synchronizer
    }

    public func directory(_ admin: AdminPrincipal, id: Int64) async throws -> Directory {
        try admin.requireReady()
        return try await store.read { tx in try admin.visible(tx.directory(id: id), "Directory") }
    }

    /// A new LDAP, SQL (ODBC) or CSV directory; it starts empty until its first synchronisation.
    public func createDirectory(_ admin: AdminPrincipal, domainId: Int64, _ changes: DirectoryChanges) async throws -> Directory {
        try admin.requireReady()
        guard let source = changes.source, source.isExternal else {
            throw DomainError.invalid(field: "source", "source must be Ldap, Sql or Csv (the built-in directories exist in every domain)")
        }
        guard changes.name != nil else { throw DomainError.invalid(field: "name", "name is required") }
        guard changes.connection != nil else { throw DomainError.invalid(field: "connection", "connection is required") }
        guard changes.fieldMap != nil else { throw DomainError.invalid(field: "fieldMap", "fieldMap is required") }
        return try await store.write { tx in
            let domain = try admin.visible(tx.domain(id: domainId), "Domain")
            var directory = Directory(companyId: domain.companyId, domainId: domainId, name: "", kind: .public, source: source, priority: 50)
            try changes.apply(to: &directory)
            return try tx.insert(directory)
        }
    }

    public func updateDirectory(_ admin: AdminPrincipal, id: Int64, _ changes: DirectoryChanges) async throws -> Directory {
        try admin.requireReady()
        guard changes.source == nil else {
            throw DomainError(.conflict, code: "source_mismatch", "The source of a directory cannot change; create another", field: "source")
        }
        return try await store.write { tx in
            var directory = try admin.visible(tx.directory(id: id), "Directory")
            let mergeBefore = directory.mergeContacts
            try changes.apply(to: &directory)
            try tx.update(directory)
            if mergeBefore != directory.mergeContacts {
                // The merge key is what merging reads: set or clear it on every contact of the directory now.
                try Self.reindex(directory, tx)
            }
            return directory
        }
    }

    /// Deletes an LDAP, SQL or CSV directory with its contacts and the rights naming it.
    public func deleteDirectory(_ admin: AdminPrincipal, id: Int64) async throws {
        try admin.requireReady()
        try await store.write { tx in
            let directory = try admin.visible(tx.directory(id: id), "Directory")
            guard !directory.source.isBuiltIn else {
                throw DomainError.conflict(code: "built_in_directory", "\(directory.name) is built in; make it a draft to disable it")
            }
            try tx.deleteContacts(directoryId: id)
            try tx.deleteDirectory(id: id)
            try tx.pruneDangling(companyId: directory.companyId)
        }
    }

    /// Starts a synchronisation; with `wait`, answers its report when it ends, else at once with the running report.
    public func synchronise(_ admin: AdminPrincipal, id: Int64, wait: Bool) async throws -> DirectorySyncReport {
        let directory = try await self.directory(admin, id: id)
        guard directory.kind != .draft else { throw DomainError.conflict(code: "directory_draft", "A draft directory does not synchronise") }
        guard directory.source.isExternal || directory.source == .twsUsers else {
            throw DomainError.conflict(code: "directory_not_synchronised", "\(directory.name) is kept by the server and has no source")
        }
        // A caller who waits runs it inside their request (off its event loop); otherwise the server's synchronisation
        // runs take it.
        guard wait else { return try await synchronizer.start(directoryId: id) }
        return try await awayFromTheRequest { [synchronizer] () async throws(DomainError) in try await synchronizer.synchronise(directoryId: id) }
    }

    /// The running synchronisation's report, else the last one (nil before the first).
    public func synchronisation(_ admin: AdminPrincipal, id: Int64) async throws -> DirectorySyncReport? {
        let directory = try await self.directory(admin, id: id)
        return await synchronizer.runningReport(directoryId: id) ?? directory.lastSync
    }

    // MARK: Public TWS contacts

    public func publicContacts(_ admin: AdminPrincipal, directoryId: Int64, _ page: PageRequest) async throws -> Page<Contact> {
        try admin.requireReady()
        return try await store.read { tx in
            let directory = try Self.publicDirectory(admin, directoryId, tx)
            return try tx.contacts(directoryId: directory.id!, page)
        }
    }

    public func createPublicContact(_ admin: AdminPrincipal, directoryId: Int64, _ changes: ContactChanges) async throws -> Contact {
        try admin.requireReady()
        return try await store.write { tx in
            let directory = try Self.publicDirectory(admin, directoryId, tx)
            var contact = Contact(
                companyId: directory.companyId,
                domainId: directory.domainId,
                directoryId: directory.id!,
                externalId: UUID().uuidString
            )
            try changes.apply(to: &contact)
            let plan = try DialingPlanStore.plan(domainId: directory.domainId, tx).settings
            return try tx.insert(contact.indexed(plan: plan, merge: directory.mergeContacts))
        }
    }

    public func updatePublicContact(_ admin: AdminPrincipal, directoryId: Int64, id: Int64, _ changes: ContactChanges) async throws -> Contact {
        try admin.requireReady()
        return try await store.write { tx in
            let directory = try Self.publicDirectory(admin, directoryId, tx)
            guard var contact = try tx.contact(id: id), contact.directoryId == directory.id else {
                throw DomainError.notFound("Contact")
            }
            try changes.apply(to: &contact)
            let plan = try DialingPlanStore.plan(domainId: directory.domainId, tx).settings
            let saved = contact.indexed(plan: plan, merge: directory.mergeContacts)
            try tx.update(saved)
            return saved
        }
    }

    public func deletePublicContact(_ admin: AdminPrincipal, directoryId: Int64, id: Int64) async throws {
        try admin.requireReady()
        try await store.write { tx in
            let directory = try Self.publicDirectory(admin, directoryId, tx)
            guard let contact = try tx.contact(id: id), contact.directoryId == directory.id else {
                throw DomainError.notFound("Contact")
            }
            try tx.deleteContact(id: contact.id!)
        }
    }

    private static func publicDirectory(_ admin: AdminPrincipal, _ id: Int64, _ tx: any StoreTransaction) throws -> Directory {
        let directory = try admin.visible(tx.directory(id: id), "Directory")
        guard directory.source == .twsPublic else {
            throw DomainError.conflict(code: "not_public_tws_directory", "Contacts are edited by hand only in the TWS public contacts directory")
        }
        return directory
    }

    /// Recomputes the derived fields of every contact of a directory (after its merge flag changed).
    static func reindex(_ directory: Directory, _ tx: any StoreTransaction) throws {
        let plan = try DialingPlanStore.plan(domainId: directory.domainId, tx).settings
        for contact in try tx.contacts(directoryId: directory.id!) {
            let indexed = contact.indexed(plan: plan, merge: directory.mergeContacts)
            if indexed.mergeKey != contact.mergeKey { try tx.update(indexed) }
        }
    }
}

import Foundation

/// Administration and runs of user imports (admin guide 7.2).
///
/// Rights are those of `AdminService`: an administrator sees the imports of the companies they manage, and an import
/// of another company answers `not_found`, exactly like one that does not exist.
///
/// A run reads the source in batches and writes each batch in one transaction. It matches a source row to a TWS user
/// by the row's user name (lowercased), looked up in `User.externalId` among the users this import created, so a user
/// renamed by hand is still found and given the source's name back. It never adopts a user created by hand or by
/// another import: a row whose user name or device number such a user holds is ignored and reported, and that user is
/// left as it is. Users the source no longer lists are deleted (`full`) or disabled (`insertUpdateDisable`) only after
/// the whole source was read; a source failing half-way removes nobody, and the report says why it failed.
public struct UserImportService: Sendable {
    public let store: any TenantStore
    public let connector: any DirectoryConnector
    /// Rows read and written per transaction.
    public let batchSize: Int

    public init(store: any TenantStore, connector: any DirectoryConnector, batchSize: Int = 500) {
        self.store = store
        self.connector = connector
        self.batchSize = max(1, batchSize)
    }

    /// The imports of a domain, passwords blanked.
    public func listImports(_ admin: AdminPrincipal, domainId: Int64) async throws -> [UserImport] {
        try admin.requireReady()
        return try await store.read { tx in
            _ = try admin.visible(tx.domain(id: domainId), "Domain")
            return try tx.userImports(domainId: domainId).map(\.redacted)
        }
    }

    /// One import with its last report, password blanked.
    public func importSettings(_ admin: AdminPrincipal, id: Int64) async throws -> UserImport {
        try admin.requireReady()
        return try await store.read { tx in try admin.visible(tx.userImport(id: id), "User import").redacted }
    }

    /// Creates an import in a domain; `name`, `kind` and `connection` are required, the rest defaults to the kind's
    /// pre-filled fields, `full` mode and one CSTA line.
    public func createImport(_ admin: AdminPrincipal, domainId: Int64, _ changes: UserImportChanges) async throws -> UserImport {
        try admin.requireReady()
        guard let name = changes.name else { throw DomainError.invalid(field: "name", "name is required") }
        guard let kind = changes.kind else { throw DomainError.invalid(field: "kind", "kind is required") }
        guard let connection = changes.connection else { throw DomainError.invalid(field: "connection", "connection is required") }
        var draft = UserImport(companyId: 0, domainId: domainId, name: name, kind: kind, connection: connection)
        // The placeholder means "unchanged", and a new import has no password to keep.
        draft.connection.password = ""
        try changes.apply(to: &draft)
        let checked = draft
        return try await store.write { tx in
            let domain = try admin.visible(tx.domain(id: domainId), "Domain")
            var userImport = checked
            userImport.companyId = domain.companyId
            try Self.checkGroup(userImport, tx)
            return try tx.insert(userImport).redacted
        }
    }

    /// Changes an import's settings; the stored password stays unless a new one is sent.
    public func updateImport(_ admin: AdminPrincipal, id: Int64, _ changes: UserImportChanges) async throws -> UserImport {
        try admin.requireReady()
        return try await store.write { tx in
            var userImport = try admin.visible(tx.userImport(id: id), "User import")
            try changes.apply(to: &userImport)
            try Self.checkGroup(userImport, tx)
            try tx.update(userImport)
            return userImport.redacted
        }
    }

    /// Deletes an import. Its users stay and from now on count as created by hand.
    public func deleteImport(_ admin: AdminPrincipal, id: Int64) async throws {
        try admin.requireReady()
        try await store.write { tx in
            _ = try admin.visible(tx.userImport(id: id), "User import")
            for var user in try tx.users(importId: id) {
                user.importId = nil
                user.externalId = nil
                try tx.update(user)
            }
            try tx.deleteUserImport(id: id)
        }
    }

    /// Runs an import now and returns its report, also kept as the import's `lastReport`.
    ///
    /// A source that cannot be opened or breaks off is not thrown: the report carries the error, the batches written
    /// before it stay, and nobody is deleted or disabled. Store errors and rights errors are thrown.
    public func run(_ admin: AdminPrincipal, id: Int64) async throws -> UserImportReport {
        try await awayFromTheRequest { try await runHere(admin, id: id) }
    }

    private func runHere(_ admin: AdminPrincipal, id: Int64) async throws -> UserImportReport {
        try admin.requireReady()
        let startedAt = Date()
        let (userImport, numberingPlanLength) = try await store.read { tx in
            let userImport = try admin.visible(tx.userImport(id: id), "User import")
            guard let domain = try tx.domain(id: userImport.domainId) else { throw DomainError.notFound("Domain") }
            return (userImport, domain.numberingPlanLength)
        }
        var report = UserImportReport(startedAt: startedAt)
        var mapper = UserImportMapper(userImport, numberingPlanLength: numberingPlanLength)
        let reader: (any DirectoryReader)?
        do throws(DirectorySourceError) {
            reader = try await connector.open(.ldap(userImport.connection), attributes: userImport.fieldMap.attributes)
        } catch {
            report.error = UserImportReport.Failure(error)
            reader = nil
        }
        if let reader {
            do {
                while true {
                    let rows: [SourceRow]?
                    do throws(DirectorySourceError) {
                        rows = try await reader.next(limit: batchSize)
                    } catch {
                        report.error = UserImportReport.Failure(error)
                        break
                    }
                    guard let rows else { break }
                    var batch = UserImportBatch(userImport: userImport, users: [])
                    for row in rows {
                        switch mapper.map(row) {
                        case .user(let user): batch.users.append(user)
                        case .ignored(let username, let reason, let detail): report.ignore(username, reason, detail)
                        }
                    }
                    guard !batch.users.isEmpty else { continue }
                    let written = batch
                    let counts = try await store.write { tx in try written.apply(tx) }
                    report.add(counts)
                }
            } catch {
                await reader.close()
                throw error
            }
            await reader.close()
        }
        let listed = mapper.listedKeys
        let read = report
        return try await store.write { tx in
            guard var current = try tx.userImport(id: id) else { throw DomainError.notFound("User import") }
            var report = read
            if report.error == nil { try UserImportBatch.removeUnlisted(current, listed: listed, into: &report, tx) }
            report.finishedAt = Date()
            current.lastReport = report
            try tx.update(current)
            return report
        }
    }

    /// The group new users join must belong to the import's domain.
    private static func checkGroup(_ userImport: UserImport, _ tx: any StoreTransaction) throws {
        guard let groupId = userImport.addToGroupId else { return }
        guard let group = try tx.group(id: groupId), group.domainId == userImport.domainId else {
            throw DomainError.missing(field: "addToGroupId", "addToGroupId must be a group of the import's domain")
        }
    }
}

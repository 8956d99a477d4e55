import Foundation

/// Reads a directory's source and brings its contacts in line (admin guide 8.2.1): rows mapped through the field
/// map, upserted by the mapped ID in one transaction per batch, unchanged rows left alone (not even mapped when the
/// row's digest is the stored one), and — only once the whole source was read — contacts of rows that vanished
/// deleted. A source failing half-way leaves every contact
/// of the previous synchronisation in place and the report says why. One synchronisation per directory at a time.
public actor DirectorySynchronizer {
    public typealias Progress = @Sendable (_ domainId: Int64, _ directoryId: Int64, _ report: DirectorySyncReport) -> Void
    let store: any TenantStore
    let connector: any DirectoryConnector
    /// Rows per batch: each batch is one transaction, and its search-index entries one FTS5 segment (see migration
    /// v22); 10,000 rows made a first synchronisation's index writes a quarter smaller than 2,000 did.
    let batchSize: Int
    let now: @Sendable () -> Date
    private var running: [Int64: DirectorySyncReport] = [:]
    private var progress: Progress?

    /// A synchronisation begun and waiting for `runQueued()`.
    private struct Job: Sendable {
        var directoryId: Int64
    }

    private nonisolated let jobs: AsyncStream<Job>
    private nonisolated let queue: AsyncStream<Job>.Continuation

    public init(store: any TenantStore, connector: any DirectoryConnector, batchSize: Int = 10_000, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.connector = connector
        self.batchSize = batchSize
        self.now = now
        (jobs, queue) = AsyncStream.makeStream(of: Job.self)
    }

    /// Begins a synchronisation and hands it to `runQueued()`; answers the running report at once. `sync_running` (409)
    /// while one of the same directory runs.
    public func start(directoryId: Int64) throws(DomainError) -> DirectorySyncReport {
        let started = try begin(directoryId: directoryId)
        if case .terminated = queue.yield(Job(directoryId: directoryId)) {
            running[directoryId] = nil
            throw DomainError(.unavailable, code: "shutting_down", "The server is shutting down")
        }
        return started
    }

    /// Runs the synchronisations `start` queues, several at once (one per directory), until `stopQueue()`; then waits
    /// for those running to end. The server's one place where synchronisations run.
    public nonisolated func runQueued(onFinished: @escaping @Sendable (_ directoryId: Int64, DirectorySyncReport) -> Void = { _, _ in }) async {
        await withDiscardingTaskGroup { group in
            for await job in jobs {
                group.addTask {
                    let report = await self.run(directoryId: job.directoryId)
                    onFinished(job.directoryId, report)
                }
            }
        }
    }

    /// Stops taking synchronisations; `runQueued()` returns once the running ones end.
    public nonisolated func stopQueue() {
        queue.finish()
    }

    /// Receives the report at the start, after each batch and at the end (the push channel's progress events).
    public func onProgress(_ progress: @escaping Progress) {
        self.progress = progress
    }

    /// The report of the synchronisation running now, if any.
    public func runningReport(directoryId: Int64) -> DirectorySyncReport? { running[directoryId] }

    /// Starts a synchronisation; `sync_running` (409) while one of the same directory runs.
    public func begin(directoryId: Int64) throws(DomainError) -> DirectorySyncReport {
        guard running[directoryId] == nil else {
            throw DomainError.conflict(code: "sync_running", "This directory is being synchronised; wait for the report")
        }
        let report = DirectorySyncReport(state: .running, startedAt: now())
        running[directoryId] = report
        return report
    }

    /// Runs a synchronisation begun with `begin` to its end and stores its report on the directory.
    public func run(directoryId: Int64) async -> DirectorySyncReport {
        var report = running[directoryId] ?? DirectorySyncReport(state: .running, startedAt: now())
        running[directoryId] = report
        defer { running[directoryId] = nil }
        do {
            try await synchronise(directoryId: directoryId, report: &report)
            report.state = .succeeded
        } catch {
            report.state = .failed
            report.error = Self.describe(error)
        }
        report.finishedAt = now()
        let final = report
        _ = try? await store.write { tx in
            guard var directory = try tx.directory(id: directoryId) else { return }
            directory.lastSync = final
            try tx.update(directory)
        }
        if let directory = try? await store.read({ tx in try tx.directory(id: directoryId) }) {
            progress?(directory.domainId, directoryId, final)
        }
        return final
    }

    /// `begin` then `run`.
    public func synchronise(directoryId: Int64) async throws(DomainError) -> DirectorySyncReport {
        _ = try begin(directoryId: directoryId)
        return await run(directoryId: directoryId)
    }

    private func synchronise(directoryId: Int64, report: inout DirectorySyncReport) async throws {
        // A new generation per run: the rows it writes carry it.
        let (directory, plan) = try await store.write { tx -> (Directory, DialingPlanSettings) in
            guard var directory = try tx.directory(id: directoryId) else { throw DomainError.notFound("Directory") }
            guard directory.kind != .draft else { throw DomainError.conflict(code: "directory_draft", "A draft directory does not synchronise") }
            guard directory.source.isExternal || directory.source == .twsUsers else {
                throw DomainError.conflict(code: "directory_not_synchronised", "\(directory.name) is kept by the server and has no source")
            }
            directory.syncGeneration += 1
            try tx.update(directory)
            return (directory, try DialingPlanStore.plan(domainId: directory.domainId, tx).settings)
        }
        progress?(directory.domainId, directoryId, report)
        let reader: any DirectoryReader
        if directory.source == .twsUsers {
            reader = UserRowReader(store: store, domainId: directory.domainId)
        } else {
            guard let connection = directory.connection else {
                throw DomainError.invalid(field: "connection", "\(directory.name) has no connection settings")
            }
            reader = try await connector.open(connection, attributes: directory.fieldMap.sourceAttributes)
        }
        var seen = Set<String>()
        // The contacts of the rows read: the others are deleted once the whole source was read. Unchanged contacts
        // are not written at all (stamping each with the run's generation cost a row and an index write each).
        var kept = Set<Int64>()
        let digests = ContactMapping.SourceDigest(directory: directory, plan: plan)
        // Three stages overlap: the reader fetches the next rows on its own thread, this actor sorts and maps the
        // current ones, and the database writes the previous batch.
        let limit = batchSize
        var written: Task<Counts, any Error>?
        // Rows to write are pooled across reads until a batch's worth: where few rows changed, scattered over the
        // source (25,000 of 500,000), writing each read's few as a transaction of their own made fifty small FTS5
        // segments to merge and fifty commits.
        var pending = Batch()
        var fetching = Task { try await reader.next(limit: limit) }
        do {
            while let rows = try await fetching.value {
                fetching = Task { try await reader.next(limit: limit) }
                var batch = Batch()
                for sorted in try await sort(rows, directory: directory, plan: plan, digests: digests) {
                    report.read += 1
                    switch sorted {
                    case .failure(let ignored):
                        report.ignore(row: report.read, ignored.reason)
                    case .success(let row):
                        guard seen.insert(row.externalId).inserted else {
                            report.ignore(row: report.read, "ID \(row.externalId) appears twice in the source")
                            continue
                        }
                        batch.add(row)
                    }
                }
                // Unchanged rows need no write: counted at once.
                add(Counts(unchanged: batch.unchanged.count, ids: batch.unchanged), to: &report, kept: &kept)
                pending.add(rowsToWrite: batch)
                if pending.writes >= limit {
                    if let previous = written { add(try await previous.value, to: &report, kept: &kept) }
                    let ready = pending
                    pending = Batch()
                    written = Task { try await self.write(ready) }
                }
                running[directoryId] = report
                progress?(directory.domainId, directoryId, report)
            }
            if let previous = written { add(try await previous.value, to: &report, kept: &kept) }
            if pending.writes > 0 { add(try await write(pending), to: &report, kept: &kept) }
        } catch {
            // The reader is used by one call at a time: let the fetch in flight end before closing it.
            _ = try? await fetching.value
            _ = try? await written?.value
            await reader.close()
            throw error
        }
        await reader.close()
        let read = kept
        report.deleted = try await store.write { tx in try tx.deleteContacts(directoryId: directoryId, keeping: read) }
    }

    /// A row of the source and what becomes of it.
    enum SortedRow {
        /// Read again with the digest of its stored contact: not mapped, not written.
        case unchanged(id: Int64, externalId: String)
        /// Mapped, with its stored state when there is one.
        case mapped(Contact, stored: ContactSyncState?)

        var externalId: String {
            switch self {
            case .unchanged(_, let externalId): externalId
            case .mapped(let contact, _): contact.externalId
            }
        }
    }

    /// Rows in their order, each unchanged (its digest is its stored contact's), mapped, or ignored. The stored
    /// states of the rows' IDs are read at once; only rows whose digest differs are mapped, the two halves at once
    /// (mapping was the slowest stage: a third of a 500,000-contact synchronisation's CPU).
    private func sort(
        _ rows: [SourceRow],
        directory: Directory,
        plan: DialingPlanSettings,
        digests: ContactMapping.SourceDigest
    ) async throws -> [Result<SortedRow, ContactMapping.Ignored>] {
        let keys = await Self.keys(rows, map: directory.fieldMap, digests: digests)
        let directoryId = directory.id!
        let externalIds = keys.map(\.externalId).filter { !$0.isEmpty }
        let states = externalIds.isEmpty ? [] : try await store.read { tx in try tx.syncStates(directoryId: directoryId, externalIds: externalIds) }
        let stored = Dictionary(states.map { ($0.externalId, $0) }, uniquingKeysWith: { first, _ in first })
        var toMap: [SourceRow] = []
        for (row, key) in zip(rows, keys) where stored[key.externalId]?.sourceDigest != key.digest {
            toMap.append(row)
        }
        var mapped = await Self.map(toMap, directory: directory, plan: plan).makeIterator()
        return zip(rows, keys).map { row, key in
            if let state = stored[key.externalId], state.sourceDigest == key.digest {
                return .success(.unchanged(id: state.id, externalId: key.externalId))
            }
            return mapped.next()!.map { contact in
                var contact = contact
                contact.sourceDigest = key.digest
                contact.syncGeneration = directory.syncGeneration
                return .mapped(contact, stored: stored[contact.externalId])
            }
        }
    }

    /// Each row's ID and digest, in their order, the two halves at once.
    static func keys(_ rows: [SourceRow], map: FieldMap, digests: ContactMapping.SourceDigest) async -> [(externalId: String, digest: Int64)] {
        @Sendable func keyed(_ part: ArraySlice<SourceRow>) -> [(externalId: String, digest: Int64)] {
            part.map { row in (ContactMapping.externalId(of: row, map: map), digests.digest(of: row)) }
        }
        guard rows.count >= 200 else { return keyed(rows[...]) }
        let middle = rows.count / 2
        async let first = keyed(rows[..<middle])
        let second = keyed(rows[middle...])
        return await first + second
    }

    /// Rows mapped and indexed, in their order, the two halves at once.
    static func map(_ rows: [SourceRow], directory: Directory, plan: DialingPlanSettings) async -> [Result<Contact, ContactMapping.Ignored>] {
        @Sendable func mapped(_ part: ArraySlice<SourceRow>) -> [Result<Contact, ContactMapping.Ignored>] {
            part.map { row in
                ContactMapping.contact(from: row, directory: directory).map { $0.indexed(plan: plan, merge: directory.mergeContacts) }
            }
        }
        guard rows.count >= 200 else { return mapped(rows[...]) }
        let middle = rows.count / 2
        async let first = mapped(rows[..<middle])
        let second = mapped(rows[middle...])
        return await first + second
    }

    /// What a batch writes: new contacts and changed ones; and the unchanged ones, which are not written.
    struct Batch: Sendable {
        var created: [Contact] = []
        var updated: [Contact] = []
        var unchanged: [Int64] = []
        /// Unchanged contacts whose source row changed (or was read by another mapping): their digests are kept.
        var redigested: [(id: Int64, digest: Int64)] = []

        /// The rows a write changes.
        var writes: Int { created.count + updated.count + redigested.count }

        /// `other`'s rows to write, not its unchanged ones.
        mutating func add(rowsToWrite other: Batch) {
            created += other.created
            updated += other.updated
            redigested += other.redigested
        }

        mutating func add(_ row: SortedRow) {
            switch row {
            case .unchanged(let id, _):
                unchanged.append(id)
            case .mapped(var contact, let stored?):
                contact.id = stored.id
                if stored.sameContent(as: contact) {
                    redigested.append((stored.id, contact.sourceDigest))
                } else {
                    updated.append(contact)
                }
            case .mapped(let contact, nil):
                created.append(contact)
            }
        }
    }

    private struct Counts {
        var created = 0, updated = 0, unchanged = 0
        /// The ids of the batch's contacts.
        var ids: [Int64] = []
    }

    private func add(_ counts: Counts, to report: inout DirectorySyncReport, kept: inout Set<Int64>) {
        report.created += counts.created
        report.updated += counts.updated
        report.unchanged += counts.unchanged
        kept.formUnion(counts.ids)
    }

    /// One transaction: new contacts inserted, changed ones rewritten, each group with its index entries at once.
    /// Unchanged contacts are left alone (rewriting them would rewrite their index entries too) and counted by the
    /// caller.
    private func write(_ batch: Batch) async throws -> Counts {
        var counts = Counts(unchanged: batch.unchanged.count + batch.redigested.count)
        counts.ids = batch.unchanged + batch.redigested.map(\.id) + batch.updated.map { $0.id! }
        guard !batch.created.isEmpty || !batch.updated.isEmpty || !batch.redigested.isEmpty else { return counts }
        // Nothing but the writes runs in the transaction: the database's one writer is what bounds a first
        // synchronisation (the contacts carry the run's generation since they were sorted).
        let created = try await store.write { tx in
            let created = try tx.insertBatch(batch.created)
            try tx.updateBatch(batch.updated)
            try tx.setSourceDigests(batch.redigested)
            return created
        }
        counts.created = created.count
        counts.updated = batch.updated.count
        counts.ids += created
        return counts
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DirectorySourceError { return "The source failed (\(error.kind.rawValue)): \(error.message)" }
        if let error = error as? DomainError { return error.message }
        return "The synchronisation failed: \(error)"
    }
}

import Foundation

/// Reads a directory's source and brings its contacts in line (admin guide 8.2.1): rows mapped through the field
/// map, upserted by the mapped ID in one transaction per batch, unchanged rows left alone, and — only once the
/// whole source was read — contacts of rows that vanished deleted. A source failing half-way leaves every contact
/// of the previous synchronisation in place and the report says why. One synchronisation per directory at a time.
public actor DirectorySynchronizer {
    public typealias Progress = @Sendable (_ domainId: Int64, _ directoryId: Int64, _ report: DirectorySyncReport) -> Void
    let store: any TenantStore
    let connector: any DirectoryConnector
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

    public init(store: any TenantStore, connector: any DirectoryConnector, batchSize: Int = 2_000, now: @escaping @Sendable () -> Date = Date.init) {
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
        // A new generation per run: rows read by this run carry it, the others are deleted once the read completes.
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
        // Three stages overlap: the reader fetches the next rows on its own thread, this actor maps the current ones,
        // and the database writes the previous batch.
        let limit = batchSize
        var written: Task<Counts, any Error>?
        var fetching = Task { try await reader.next(limit: limit) }
        do {
            while let rows = try await fetching.value {
                fetching = Task { try await reader.next(limit: limit) }
                var drafts: [Contact] = []
                drafts.reserveCapacity(rows.count)
                for mapped in await Self.map(rows, directory: directory, plan: plan) {
                    report.read += 1
                    switch mapped {
                    case .failure(let ignored):
                        report.ignore(row: report.read, ignored.reason)
                    case .success(let contact):
                        guard seen.insert(contact.externalId).inserted else {
                            report.ignore(row: report.read, "ID \(contact.externalId) appears twice in the source")
                            continue
                        }
                        drafts.append(contact)
                    }
                }
                if let previous = written { add(try await previous.value, to: &report) }
                let batch = drafts
                written = Task { try await self.upsert(batch, directory: directory) }
                running[directoryId] = report
                progress?(directory.domainId, directoryId, report)
            }
            if let previous = written { add(try await previous.value, to: &report) }
        } catch {
            // The reader is used by one call at a time: let the fetch in flight end before closing it.
            _ = try? await fetching.value
            _ = try? await written?.value
            await reader.close()
            throw error
        }
        await reader.close()
        report.deleted = try await store.write { tx in
            try tx.deleteContacts(directoryId: directoryId, notOfGeneration: directory.syncGeneration)
        }
    }

    /// Rows mapped and indexed, in their order, the two halves at once: mapping was the slowest of the three stages
    /// and ran on this actor alone (a third of a 500,000-contact synchronisation's CPU).
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

    private struct Counts { var created = 0, updated = 0, unchanged = 0 }

    private func add(_ counts: Counts, to report: inout DirectorySyncReport) {
        report.created += counts.created
        report.updated += counts.updated
        report.unchanged += counts.unchanged
    }

    /// One transaction: existing contacts of the batch's IDs fetched at once, then inserted, rewritten or (unchanged)
    /// only stamped with the generation.
    private func upsert(_ contacts: [Contact], directory: Directory) async throws -> Counts {
        guard !contacts.isEmpty else { return Counts() }
        let directoryId = directory.id!
        let generation = directory.syncGeneration
        return try await store.write { tx in
            let existing = try tx.contacts(directoryId: directoryId, externalIds: contacts.map(\.externalId))
            let byExternalId = Dictionary(existing.map { ($0.externalId, $0) }, uniquingKeysWith: { first, _ in first })
            var counts = Counts()
            var unchanged: [Int64] = []
            var created: [Contact] = []
            for var contact in contacts {
                contact.syncGeneration = generation
                if let old = byExternalId[contact.externalId] {
                    contact.id = old.id
                    if old.contentHash == contact.contentHash && old.mergeKey == contact.mergeKey && old.phoneKeys == contact.phoneKeys {
                        unchanged.append(old.id!)
                    } else {
                        try tx.update(contact)
                        counts.updated += 1
                    }
                } else {
                    created.append(contact)
                }
            }
            // New contacts in one go: their search index entries are written by one statement for the batch.
            counts.created = try tx.insertBatch(created).count
            // Unchanged rows only get this run's generation: rewriting them would rewrite their index entries too.
            if !unchanged.isEmpty {
                counts.unchanged = try tx.stamp(contactIds: unchanged, generation: generation)
            }
            return counts
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DirectorySourceError { return "The source failed (\(error.kind.rawValue)): \(error.message)" }
        if let error = error as? DomainError { return error.message }
        return "The synchronisation failed: \(error)"
    }
}

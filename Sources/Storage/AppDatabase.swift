import Domain
import Foundation
import GRDB

/// The one database of the process: a `DatabasePool` (SQLite in WAL mode) whose writes are each
/// one transaction. Tests use an in-memory `DatabaseQueue`.
public struct AppDatabase: TenantStore {
    let writer: any DatabaseWriter
    let configurationCounter = TableVersion(tables: TableVersion.configuration)
    let sessionCounter = TableVersion(tables: TableVersion.sessions)
    let contactWords: ContactWordIndex
    /// Connections of the reads' own beside the pool's (nil in memory: one connection holds the whole database).
    let readers: ReadConnections?

    public var configurationVersion: UInt64 { configurationCounter.current }
    public var sessionVersion: UInt64 { sessionCounter.current }

    /// Opens (creating if needed) `tws.sqlite` in `directory` and migrates it.
    public static func open(directory: URL) throws -> AppDatabase {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // SQLite's default 2 MiB page cache per connection made a 2,000-contact sync batch spill to the WAL
            // and read index pages back, and searches over 500,000 contacts copy pages in with pread: a 32 MiB cache
            // per connection and memory-mapped reads (file-backed, shared between connections) instead.
            // The writer reads through its page cache only: a 500,000-contact synchronisation reads most of the
            // file while it merges the search index, and every page it mapped stayed in the process's RSS (289 MiB).
            // Its statement journals stay in memory: each insert into `contact` (a table with triggers) keeps the
            // old images of the pages it changes until it ends; once one statement of a transaction outgrew SQLite's
            // 64 KiB in memory, every later one wrote its images to a file in /var/tmp, 14.6 of a
            // 500,000-contact synchronisation's 17 GiB of writes. In memory they are dropped at each statement's end.
            // Debian builds SQLite with secure_delete on; FAST still zeroes deleted rows on the pages it writes
            // anyway, without writing every page a search-index merge frees once more.
            let writer = !db.configuration.readonly
            try db.execute(sql: "PRAGMA cache_size = -32768; PRAGMA mmap_size = \(writer ? 0 : 1_073_741_824)")
            if writer { try db.execute(sql: "PRAGMA temp_store = MEMORY; PRAGMA secure_delete = FAST") }
        }
        // Reads run on their caller's thread (see `read`): one reader per thread that may read at once, and a few more.
        configuration.maximumReaderCount = max(5, ProcessInfo.processInfo.activeProcessorCount + 2)
        let path = directory.appendingPathComponent("tws.sqlite").path
        let pool = try DatabasePool(path: path, configuration: configuration)
        let readers = ReadConnections(path: path, configuration: configuration, limit: configuration.maximumReaderCount)
        return try AppDatabase(pool, path: path, readers: readers)
    }

    /// An empty, migrated in-memory database: a copy of one migrated once per process. Tests open hundreds of
    /// them, and each migration took about 80 ms of CPU in a debug build, enough to hold both cooperative threads
    /// of a 2-core test run for tens of seconds at its start.
    public static func inMemory() throws -> AppDatabase {
        let queue = try DatabaseQueue()
        try migratedTemplate.get().backup(to: queue)
        return try AppDatabase(queue)
    }

    private static let migratedTemplate = Result { () throws -> DatabaseQueue in
        let template = try DatabaseQueue()
        try migrator.migrate(template)
        return template
    }

    /// `path` is the database file's, for what reads it through a connection of its own.
    init(_ writer: any DatabaseWriter, path: String? = nil, readers: ReadConnections? = nil) throws {
        self.writer = writer
        self.readers = readers
        contactWords = ContactWordIndex(writer: writer, path: path)
        try Self.migrator.migrate(writer)
        writer.add(transactionObserver: configurationCounter.observer(), extent: .databaseLifetime)
        writer.add(transactionObserver: sessionCounter.observer(), extent: .databaseLifetime)
        writer.add(transactionObserver: contactWords.version.observer(), extent: .databaseLifetime)
    }

    /// Runs `body` in a read transaction on the calling thread. GRDB's async read hops to the pool's waiting queue,
    /// then to the reader's queue, then back: three thread wake-ups around a read of tens of microseconds. Reads are
    /// short and never wait for writes (WAL), and a reader is released before `read` returns, by the same thread, so
    /// a blocked caller never waits for a task that needs its thread.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try readNow(body)
    }

    public func readNow<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try readDatabase { db in try body(GRDBTransaction(db: db, contactWords: contactWords)) }
    }

    /// Storage's own queries read the same way, on the caller's thread, on a connection of `readers` (the pool's
    /// when they are all lent). Never GRDB's async `read` here: it holds its reader across a suspension and releases
    /// it only once a cooperative thread resumes it, while `read` blocks cooperative threads waiting for a reader;
    /// with as many async reads in flight as readers (20 webhook subscriptions did it) every cooperative thread waits
    /// for a reader whose release waits for a thread.
    func readDatabase<T>(_ body: (Database) throws -> T) throws -> T {
        if let readers, let result = try readers.read(body) { return result }
        return try writer.read(body)
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try await writer.write { db in try body(GRDBTransaction(db: db)) }
    }

    /// Closes the database once the server's services have stopped (storage closes last); a WAL checkpoint leaves
    /// everything in `tws.sqlite`.
    public func close() throws {
        readers?.closeAll(closing: true)
        try writer.close()
    }

    /// Copies the live database to `file` with SQLite's online backup API (readers and writers go on).
    public func backup(to file: URL) throws {
        if FileManager.default.fileExists(atPath: file.path) {
            throw DomainError.conflict(code: "file_exists", "\(file.path) already exists; choose a new file")
        }
        let destination = try DatabaseQueue(path: file.path)
        try writer.backup(to: destination)
    }

    /// Replaces this database's content with a backup made by `backup(to:)`, after checking that the
    /// file is one of ours; the backup is migrated to the current schema.
    public func restore(from file: URL) throws {
        guard FileManager.default.fileExists(atPath: file.path) else { throw DomainError.notFound("Backup file \(file.path)") }
        var configuration = Configuration()
        configuration.readonly = true
        let source = try DatabaseQueue(path: file.path, configuration: configuration)
        let applied = try source.read { db in try Self.migrator.appliedIdentifiers(db) }
        guard applied.contains("v1") else {
            throw DomainError.invalid(field: "file", "\(file.path) is not a TWS database backup")
        }
        try source.backup(to: writer)
        try Self.migrator.migrate(writer)
        // The read connections' schema caches describe the replaced database.
        readers?.closeAll(closing: false)
        configurationCounter.bump()
        sessionCounter.bump()
        contactWords.version.bump()
    }
}

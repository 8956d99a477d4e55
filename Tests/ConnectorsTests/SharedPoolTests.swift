import Domain
import Foundation
import NIOPosix
import Testing

@testable import Connectors

/// Readers run their blocking calls on the pool they are given and need no thread of their own.
@Suite struct SharedPoolTests {
    @Test func twoReadersTakeTurnsOnAOneThreadPoolEachInItsOwnOrder() async throws {
        let folder = try makeImportFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("n\n1\n2\n3\n4\n".utf8).write(to: folder.appendingPathComponent("a.csv"))
        try Data("n\n5\n6\n7\n8\n".utf8).write(to: folder.appendingPathComponent("b.csv"))
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let poolThread = try await pool.runIfActive { pthread_self() }
        let connector = DirectoryConnectors(importFolder: folder, pool: pool)

        let first = try await connector.open(.csv(CSVSourceSettings(path: "a.csv")), attributes: [])
        let second = try await connector.open(.csv(CSVSourceSettings(path: "b.csv")), attributes: [])
        var values: [String] = []
        for _ in 0..<2 {
            values += try #require(try await first.next(limit: 2)).compactMap { $0["n"] }
            values += try #require(try await second.next(limit: 2)).compactMap { $0["n"] }
        }
        let threads = [
            await (first as? SessionReader<CSVFile>)?.inspect { _ in pthread_self() },
            await (second as? SessionReader<CSVFile>)?.inspect { _ in pthread_self() },
        ]
        await first.close()
        await second.close()
        let afterClose = await Result { () async throws -> [SourceRow]? in try await first.next(limit: 1) }
        try await pool.shutdownGracefully()

        #expect(values == ["1", "2", "5", "6", "3", "4", "7", "8"])
        #expect(threads == [poolThread, poolThread])
        #expect(throws: DirectorySourceError.self) { try afterClose.get() }
    }
}

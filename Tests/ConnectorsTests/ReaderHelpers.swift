import Domain
import Foundation
import Testing

@testable import Connectors

/// A fresh temporary import folder.
func makeImportFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tws-import-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// An import folder for suites that read no files (it is never created).
let unusedImportFolder = FileManager.default.temporaryDirectory.appendingPathComponent("tws-import-unused")

/// Every row of `connection`, read `limit` at a time, and how many `next` calls returned rows.
func readAll(
    _ connection: DirectoryConnection,
    with connector: DirectoryConnectors,
    attributes: [String] = [],
    limit: Int = 100
) async throws -> (rows: [SourceRow], calls: Int) {
    let reader = try await connector.open(connection, attributes: attributes)
    var rows: [SourceRow] = []
    var calls = 0
    do {
        while let batch = try await reader.next(limit: limit) {
            #expect(batch.count <= limit)
            rows += batch
            calls += 1
        }
    } catch {
        await reader.close()
        throw error
    }
    await reader.close()
    return (rows, calls)
}

/// The error `body` throws, or a test failure when it throws none.
func directoryError(_ body: () async throws(DirectorySourceError) -> Void) async -> DirectorySourceError? {
    do {
        try await body()
        Issue.record("expected a DirectorySourceError")
        return nil
    } catch {
        return error
    }
}

/// The error opening `connection` and reading all of it ends with.
func readError(_ connection: DirectoryConnection, with connector: DirectoryConnectors) async -> DirectorySourceError? {
    await directoryError { () throws(DirectorySourceError) in
        let reader = try await connector.open(connection, attributes: [])
        do throws(DirectorySourceError) {
            while try await reader.next(limit: 1000) != nil {}
        } catch {
            await reader.close()
            throw error
        }
        await reader.close()
    }
}

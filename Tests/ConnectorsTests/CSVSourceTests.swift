import Domain
import Foundation
import Testing

@testable import Connectors

@Suite final class CSVSourceTests {
    let folder: URL
    let connector: DirectoryConnectors

    init() throws {
        folder = try makeImportFolder()
        connector = DirectoryConnectors(importFolder: folder)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    private func write(_ bytes: [UInt8], to name: String) throws {
        try Data(bytes).write(to: folder.appendingPathComponent(name))
    }

    private func write(_ text: String, to name: String) throws { try write(Array(text.utf8), to: name) }

    private func rows(_ settings: CSVSourceSettings, limit: Int = 100) async throws -> [SourceRow] {
        try await readAll(.csv(settings), with: connector, limit: limit).rows
    }

    @Test func excelUTF8WithByteOrderMarkAndSemicolonsReadsNamedColumns() async throws {
        try write("\u{FEFF}Id;Last Name ;Company\r\n1;Müller;Größe AG\r\n2;Dupont;\r\n", to: "bom.csv")
        let rows = try await rows(CSVSourceSettings(path: "bom.csv", delimiter: ";"))
        #expect(rows.count == 2)
        #expect(rows[0] == SourceRow(["id": ["1"], "last name": ["Müller"], "company": ["Größe AG"]]))
        // An empty field is absent, like NULL.
        #expect(rows[1] == SourceRow(["id": ["2"], "last name": ["Dupont"]]))
    }

    @Test func quotedFieldsKeepDelimitersLineBreaksAndDoubledQuotes() async throws {
        try write("id,name,note\n1,\"Smith, John\",\"He said \"\"hi\"\"\nMI6\r\nSection 7\"\n2,\"\",plain\n", to: "quoted.csv")
        let rows = try await rows(CSVSourceSettings(path: "quoted.csv"))
        #expect(rows.count == 2)
        #expect(rows[0]["name"] == "Smith, John")
        #expect(rows[0]["note"] == "He said \"hi\"\nMI6\r\nSection 7")
        #expect(rows[1] == SourceRow(["id": ["2"], "note": ["plain"]]))
    }

    @Test func windows1252MapsEuroLigatureAndUndefinedBytes() async throws {
        // "€ œuvre ’x’" then 0x81 (undefined in Windows-1252) and 0xE9 (é).
        try write(Array("name\n".utf8) + [0x80, 0x20, 0x9C, 0x75, 0x76, 0x72, 0x65, 0x20, 0x92, 0x78, 0x92, 0x81, 0xE9, 0x0A], to: "cp1252.csv")
        let rows = try await rows(CSVSourceSettings(path: "cp1252.csv", encoding: .windows1252))
        #expect(rows.first?["name"] == "€ œuvre ’x’\u{81}é")
    }

    @Test func latin1MapsEveryByteToTheSameCodePoint() async throws {
        try write(Array("name;city\r\n".utf8) + [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72, 0x3B, 0x80, 0x0D, 0x0A], to: "latin1.csv")
        let rows = try await rows(CSVSourceSettings(path: "latin1.csv", delimiter: ";", encoding: .latin1))
        #expect(rows == [SourceRow(["name": ["Müller"], "city": ["\u{80}"]])])
    }

    @Test func withoutHeaderRowColumnsAreNumbered() async throws {
        try write("Dupont,Jean,+33 1 23 45 67 89\nMartin,,+33 6 00\n", to: "plain.csv")
        let rows = try await rows(CSVSourceSettings(path: "plain.csv", headerRow: false))
        #expect(rows == [SourceRow(["1": ["Dupont"], "2": ["Jean"], "3": ["+33 1 23 45 67 89"]]), SourceRow(["1": ["Martin"], "3": ["+33 6 00"]])])
    }

    @Test func invalidUTF8IsAnErrorNamingTheLine() async throws {
        try write(Array("name\nok\n".utf8) + [0x4D, 0xFC, 0x6C, 0x0A], to: "bad.csv")
        let error = await readError(.csv(CSVSourceSettings(path: "bad.csv")), with: connector)
        #expect(error?.kind == .readFailed)
        #expect(error?.message.contains("line 3") == true)
    }

    @Test func largeFileIsReadInChunksAndBatches() async throws {
        // More than one 64 KiB chunk, with quoted line breaks that straddle chunk boundaries somewhere.
        var text = "id,name,note\r\n"
        for index in 1...5000 { text += "\(index),Name \(index),\"line one\nline \"\"two\"\" of \(index)\"\r\n" }
        try write(text, to: "large.csv")
        #expect(text.utf8.count > 3 * CSVFile.chunkSize)
        let (rows, calls) = try await readAll(.csv(CSVSourceSettings(path: "large.csv")), with: connector, limit: 700)
        #expect(rows.count == 5000)
        #expect(calls == 8)
        #expect(rows.enumerated().allSatisfy { index, row in row["note"] == "line one\nline \"two\" of \(index + 1)" && row["id"] == "\(index + 1)" })
    }

    @Test func recordLargerThanTheCapIsRefused() async throws {
        try write("name\n\"" + String(repeating: "x", count: CSVFile.maxRecordBytes + 10) + "\"\n", to: "huge.csv")
        let error = await readError(.csv(CSVSourceSettings(path: "huge.csv")), with: connector)
        #expect(error?.kind == .readFailed)
    }

    @Test func unclosedQuoteIsAnError() async throws {
        try write("name\n\"never closed\n", to: "open.csv")
        let error = await readError(.csv(CSVSourceSettings(path: "open.csv")), with: connector)
        #expect(error?.kind == .readFailed)
        #expect(error?.message.contains("line 2") == true)
    }

    @Test(arguments: ["/etc/passwd", "../outside.csv", "sub/../../outside.csv", "link-out.csv", "sub"])
    func pathsLeavingTheImportFolderAreRefused(path: String) async throws {
        let outside = folder.deletingLastPathComponent().appendingPathComponent("outside-\(UUID().uuidString).csv")
        try Data("name\nsecret\n".utf8).write(to: outside)
        defer { try? FileManager.default.removeItem(at: outside) }
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("link-out.csv"), withDestinationURL: outside)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let error = await readError(.csv(CSVSourceSettings(path: path)), with: connector)
        #expect(error?.kind == .invalidSettings)
    }

    @Test func symlinkInsideTheImportFolderIsFollowed() async throws {
        try write("name\ninside\n", to: "real.csv")
        try FileManager.default.createSymbolicLink(
            at: folder.appendingPathComponent("alias.csv"),
            withDestinationURL: folder.appendingPathComponent("real.csv")
        )
        #expect(try await rows(CSVSourceSettings(path: "alias.csv")) == [SourceRow(["name": ["inside"]])])
    }

    @Test func missingFileIsUnreachable() async throws {
        let error = await readError(.csv(CSVSourceSettings(path: "nope.csv")), with: connector)
        #expect(error?.kind == .unreachable)
    }

    @Test(arguments: ["", ",,", "\"", "\n", "€"])
    func unusableDelimitersAreRefused(delimiter: String) async throws {
        try write("a\n", to: "a.csv")
        let error = await readError(.csv(CSVSourceSettings(path: "a.csv", delimiter: delimiter)), with: connector)
        #expect(error?.kind == .invalidSettings)
    }

    @Test func closedReaderRefusesToReadAndClosesTwiceSafely() async throws {
        try write("name\nx\n", to: "x.csv")
        let reader = try await connector.open(.csv(CSVSourceSettings(path: "x.csv")), attributes: [])
        await reader.close()
        await reader.close()
        let error = await directoryError { () throws(DirectorySourceError) in _ = try await reader.next(limit: 1) }
        #expect(error?.kind == .readFailed)
    }
}

import Domain
import Foundation

/// An open CSV file read chunk by chunk: only one chunk and one record are in memory at a time.
final class CSVFile: ReadingSession {
    /// Bytes read from the file per read(2).
    static let chunkSize = 64 * 1024
    /// The longest record accepted; a larger one is a broken or hostile file, not a directory row.
    static let maxRecordBytes = 1024 * 1024

    private let name: String
    private var descriptor: Int32
    private var parser: CSVRecordParser
    private let decoder: CSVTextDecoder
    private let headerRow: Bool
    /// Column names from the header row, once read.
    private var columns: [String]?
    private var chunk: [UInt8]
    private var chunkEnd = 0
    private var position = 0
    private var atStart = true
    private var endOfFile = false
    private var exhausted = false

    /// Opens `settings.path` inside `folder`, refusing anything that resolves outside it.
    init(settings: CSVSourceSettings, folder: ImportFolder) throws(DirectorySourceError) {
        let delimiter = try Self.delimiterByte(settings.delimiter)
        let candidate = try folder.candidate(for: settings.path)
        name = settings.path
        // O_NONBLOCK: opening a FIFO planted in the folder must not hang; it has no effect on regular files.
        let opened = open(candidate, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard opened >= 0 else {
            let reason = errno
            switch reason {
            case ENOENT, ENOTDIR: throw DirectorySourceError(.unreachable, "the file \(settings.path) does not exist")
            case ELOOP: throw DirectorySourceError(.invalidSettings, "\(settings.path) is a symbolic link loop")
            default: throw DirectorySourceError(.unreachable, "cannot open \(settings.path): \(String(cString: strerror(reason)))")
            }
        }
        descriptor = opened
        parser = CSVRecordParser(delimiter: delimiter, maxRecordBytes: Self.maxRecordBytes)
        decoder = CSVTextDecoder(encoding: settings.encoding)
        headerRow = settings.headerRow
        chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        do throws(DirectorySourceError) {
            // Checked on what was opened, not on the name: a symlink swapped in meanwhile cannot escape.
            guard let real = ImportFolder.realPath(ofDescriptor: opened) ?? ImportFolder.realPath(of: candidate) else {
                throw DirectorySourceError(.unreachable, "cannot resolve \(settings.path)")
            }
            try folder.requireInside(real, shownAs: settings.path)
            var status = stat()
            guard fstat(opened, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
                throw DirectorySourceError(.invalidSettings, "\(settings.path) is not a regular file")
            }
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    func close() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
    }

    func nextRows(limit: Int) throws(DirectorySourceError) -> [SourceRow]? {
        guard descriptor >= 0 else { throw DirectorySourceError(.readFailed, "\(name) is closed") }
        var rows: [SourceRow] = []
        while rows.count < limit, let record = try nextRecord() {
            if headerRow && columns == nil {
                columns = try record.fields.enumerated().map { index, bytes throws(DirectorySourceError) in
                    let name = try text(bytes, line: record.line).trimmingCharacters(in: .whitespaces).lowercased()
                    return name.isEmpty ? String(index + 1) : name
                }
                continue
            }
            rows.append(try row(record))
        }
        return rows.isEmpty && exhausted ? nil : rows
    }

    /// The next complete record, reading more of the file when the chunk is used up; nil at the end.
    private func nextRecord() throws(DirectorySourceError) -> CSVRecordParser.Record? {
        while !exhausted {
            if position == chunkEnd {
                if endOfFile {
                    exhausted = true
                    return try parser.finish()
                }
                try readChunk()
                continue
            }
            let record = try chunk.withUnsafeBufferPointer { buffer throws(DirectorySourceError) in
                try parser.next(in: UnsafeBufferPointer(rebasing: buffer[..<chunkEnd]), at: &position)
            }
            if let record { return record }
        }
        return nil
    }

    private func readChunk() throws(DirectorySourceError) {
        var count: Int
        repeat {
            count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        } while count < 0 && errno == EINTR
        guard count >= 0 else {
            throw DirectorySourceError(.readFailed, "cannot read \(name): \(String(cString: strerror(errno)))")
        }
        chunkEnd = count
        position = 0
        endOfFile = count == 0
        // Excel's "CSV UTF-8" starts with a byte order mark, which would otherwise become part of the first name.
        if atStart, decoder.encoding == .utf8, count >= 3, chunk[0] == 0xEF, chunk[1] == 0xBB, chunk[2] == 0xBF {
            position = 3
        }
        atStart = false
    }

    /// A record as a row: empty fields are left out, like NULL columns.
    private func row(_ record: CSVRecordParser.Record) throws(DirectorySourceError) -> SourceRow {
        var values: [String: [String]] = [:]
        for (index, bytes) in record.fields.enumerated() where !bytes.isEmpty {
            let column = columns.flatMap { index < $0.count ? $0[index] : nil } ?? String(index + 1)
            // The first of two columns with the same name wins.
            if values[column] == nil { values[column] = [try text(bytes, line: record.line)] }
        }
        return SourceRow(values)
    }

    private func text(_ bytes: [UInt8], line: Int) throws(DirectorySourceError) -> String {
        guard let text = decoder.decode(bytes) else {
            throw DirectorySourceError(
                .readFailed,
                "\(name), record starting on line \(line): not valid \(decoder.encoding.rawValue) (choose the file's encoding in the settings)"
            )
        }
        return text
    }

    /// The delimiter as one ASCII byte; quotes and line breaks cannot delimit.
    private static func delimiterByte(_ delimiter: String) throws(DirectorySourceError) -> UInt8 {
        guard delimiter.count == 1, let byte = delimiter.utf8.first, delimiter.utf8.count == 1, !"\"\r\n".utf8.contains(byte) else {
            throw DirectorySourceError(.invalidSettings, "the delimiter must be one ASCII character other than a quote or a line break")
        }
        return byte
    }
}

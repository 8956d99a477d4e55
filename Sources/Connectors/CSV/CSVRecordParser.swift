import Domain

/// Splits CSV bytes into records (RFC 4180): quoted fields, doubled quotes, delimiters and line breaks inside
/// quotes, records ended by CRLF, LF or CR. Works on bytes, before decoding, which is safe for the three
/// supported encodings because the delimiter, the quote and the line breaks are ASCII in all of them.
///
/// Lenient where spreadsheets are: a quote inside an unquoted field and text after a closing quote are kept.
struct CSVRecordParser {
    /// One record's raw fields and the line it starts on (1-based, for messages).
    struct Record {
        var fields: [[UInt8]]
        var line: Int
    }

    private enum State {
        case fieldStart
        case unquoted
        case quoted
        /// A quote inside a quoted field: the field's end, or the first half of a doubled quote.
        case quoteInQuoted
    }

    private static let quote = UInt8(ascii: "\"")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    let delimiter: UInt8
    /// A record longer than this is refused instead of growing memory without bound.
    let maxRecordBytes: Int

    private var state = State.fieldStart
    private var field: [UInt8] = []
    private var fields: [[UInt8]] = []
    private var recordBytes = 0
    /// The line of the byte being parsed.
    private var line = 1
    private var recordLine = 1
    private var quotedFieldLine = 1
    private var previousWasCarriageReturn = false
    /// The last record ended with CR: an LF right after it is the rest of a CRLF, not an empty line.
    private var skipLineFeed = false

    init(delimiter: UInt8, maxRecordBytes: Int) {
        self.delimiter = delimiter
        self.maxRecordBytes = maxRecordBytes
    }

    /// Parses from `index` until a record is complete (returned, `index` just after it) or the bytes run out (nil).
    mutating func next(in bytes: UnsafeBufferPointer<UInt8>, at index: inout Int) throws(DirectorySourceError) -> Record? {
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            // A line is ended by LF, CR, or CRLF (counted once).
            if byte == Self.lineFeed {
                if !previousWasCarriageReturn { line += 1 }
            } else if byte == Self.carriageReturn {
                line += 1
            }
            previousWasCarriageReturn = byte == Self.carriageReturn
            let afterCarriageReturn = skipLineFeed
            skipLineFeed = false

            if state == .quoted {
                if byte == Self.quote { state = .quoteInQuoted } else { try append(byte) }
                continue
            }
            switch byte {
            case delimiter:
                fields.append(field)
                field = []
                state = .fieldStart
            case Self.lineFeed where afterCarriageReturn:
                continue
            case Self.lineFeed, Self.carriageReturn:
                skipLineFeed = byte == Self.carriageReturn
                if let record = endRecord() { return record }
            case Self.quote where state == .fieldStart:
                state = .quoted
                quotedFieldLine = line
            case Self.quote where state == .quoteInQuoted:
                try append(Self.quote)
                state = .quoted
            default:
                try append(byte)
                state = .unquoted
            }
        }
        return nil
    }

    /// The last record at the end of the input, if it did not end with a line break.
    mutating func finish() throws(DirectorySourceError) -> Record? {
        if state == .quoted {
            throw DirectorySourceError(.readFailed, "the quoted field starting on line \(quotedFieldLine) is never closed")
        }
        guard !fields.isEmpty || !field.isEmpty || state != .fieldStart else { return nil }
        return endRecord()
    }

    private mutating func append(_ byte: UInt8) throws(DirectorySourceError) {
        recordBytes += 1
        guard recordBytes <= maxRecordBytes else {
            throw DirectorySourceError(.readFailed, "the record starting on line \(recordLine) is longer than \(maxRecordBytes) bytes")
        }
        field.append(byte)
    }

    /// Completes the current record; nil for an empty line, which is skipped.
    private mutating func endRecord() -> Record? {
        fields.append(field)
        let record = Record(fields: fields, line: recordLine)
        field = []
        fields = []
        recordBytes = 0
        state = .fieldStart
        recordLine = line
        return record.fields == [[]] ? nil : record
    }
}

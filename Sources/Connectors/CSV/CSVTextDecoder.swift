import Domain

/// Turns a CSV field's bytes into text in the file's configured encoding.
struct CSVTextDecoder {
    let encoding: CSVSourceSettings.Encoding

    /// The text, or nil when the bytes are not valid in the encoding (only UTF-8 can be invalid).
    func decode(_ bytes: [UInt8]) -> String? {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        switch encoding {
        case .utf8:
            // Failable on purpose: String(decoding:) would hide bad bytes behind U+FFFD.
            return String(validating: bytes, as: UTF8.self)
        case .latin1:
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        case .windows1252:
            return String(String.UnicodeScalarView(bytes.map(Self.windows1252)))
        }
    }

    /// Windows-1252 differs from ISO-8859-1 only in 0x80–0x9F. The five bytes it leaves undefined (0x81, 0x8D,
    /// 0x8F, 0x90, 0x9D) map to the same code point, as Windows' own converter (best fit) does.
    static func windows1252(_ byte: UInt8) -> Unicode.Scalar {
        guard (0x80...0x9F).contains(byte) else { return Unicode.Scalar(byte) }
        return Unicode.Scalar(windows1252High[Int(byte) - 0x80])!
    }

    private static let windows1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]
}

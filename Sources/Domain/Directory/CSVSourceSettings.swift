import Foundation

/// A CSV file (RFC 4180 quoting, quoted newlines), under the server's import folder.
public struct CSVSourceSettings: Codable, Sendable, Equatable {
    public enum Encoding: String, Codable, Sendable, CaseIterable {
        case utf8 = "UTF-8"
        case windows1252 = "Windows-1252"
        case latin1 = "ISO-8859-1"
    }
    /// Relative to the server's CSV import folder (configuration `csvImportFolder`).
    public var path: String
    /// The first row names the columns; without it columns are named "1", "2", … .
    public var headerRow: Bool
    /// One character, usually `,` or `;`.
    public var delimiter: String
    public var encoding: Encoding

    public init(path: String, headerRow: Bool = true, delimiter: String = ",", encoding: Encoding = .utf8) {
        self.path = path
        self.headerRow = headerRow
        self.delimiter = delimiter
        self.encoding = encoding
    }
}

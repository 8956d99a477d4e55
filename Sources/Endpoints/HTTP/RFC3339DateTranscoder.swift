import Foundation
import OpenAPIRuntime

/// Date-times of request bodies as RFC 3339 allows them, with or without fractional seconds (the runtime's default
/// refuses `12:48:14.6Z`, which clients such as JavaScript's `toISOString()` send); answers keep whole seconds.
struct RFC3339DateTranscoder: DateTranscoder {
    private static let whole = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    func encode(_ date: Date) throws -> String { Self.whole.format(date) }

    func decode(_ text: String) throws -> Date {
        if let date = try? Self.whole.parse(text) { return date }
        if let date = try? Self.fractional.parse(text) { return date }
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Expected an RFC 3339 date-time, such as 2026-12-04T09:30:00Z."))
    }
}

import Domain
import Foundation

/// Statistics as CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, a quote or a line break, quotes
/// doubled): a header row, one row per user and bucket, then (for a group) one row per bucket of the sum, whose userId
/// is empty and username `*total*`.
enum StatisticsCSV {
    static let header = [
        "userId", "username", "day", "hour", "start", "calls", "incoming", "outgoing", "missed", "answered", "outgoingConnected", "talkSeconds",
        "averageTalkSeconds", "averageAnswerSeconds",
    ]

    static func document(_ report: StatisticsReport) -> String {
        var lines = [row(header)]
        for user in report.users {
            for bucket in user.buckets { lines.append(row(["\(user.userId)", user.username] + cells(bucket))) }
        }
        if report.groupId != nil {
            for bucket in report.buckets { lines.append(row(["", "*total*"] + cells(bucket))) }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private static func cells(_ b: StatisticsBucket) -> [String] {
        let f = b.figures
        return [
            b.day.description, b.hour.map(String.init) ?? "", b.start.formatted(.iso8601), "\(f.calls)", "\(f.incoming)", "\(f.outgoing)",
            "\(f.missed)", "\(f.answered)", "\(f.outgoingConnected)", "\(f.talkSeconds)", decimal(f.averageTalkSeconds),
            decimal(f.averageAnswerSeconds),
        ]
    }

    /// Two decimals with a point whatever the locale; empty when there is nothing to average.
    private static func decimal(_ value: Double?) -> String {
        guard let value else { return "" }
        let hundredths = Int((value * 100).rounded())
        return "\(hundredths / 100).\(String(format: "%02d", hundredths % 100))"
    }

    static func row(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") }

    /// One field, quoted when RFC 4180 needs it. A field a spreadsheet would run as a formula (starting with `=`, `+`,
    /// `-`, `@`) is given a leading apostrophe (OWASP's CSV-injection advice); numbers here never start so.
    static func field(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+-@\t\r".contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

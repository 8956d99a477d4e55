/// Puts field values into a template's texts and actions so that a value can never change a card's structure or an
/// action (admin guide 9.2.1 fields are caller data: a contact's name is whoever typed it).
///
/// - text: the value as is (the card's XML is escaped when written; clients put text in as text);
/// - url: the value percent-encoded (only unreserved characters stay), except a url that is exactly one field, which
///   keeps an http(s) address as is and drops anything else;
/// - exe: the value as one command-line argument, quoted by the rules Windows programs read their arguments with.
public enum AlerterSubstitution {
    public enum Context: Sendable {
        case text, url, exe
    }

    static let maxFieldName = 64

    /// `template` with every `[-Field-]` replaced for `context`.
    public static func substitute(_ template: String, _ fields: AlerterFields, in context: Context) -> String {
        if context == .url, let name = soleField(template) {
            let value = fields.value(name)
            return isWebAddress(value) ? value : ""
        }
        var result = ""
        var rest = template[...]
        while let open = rest.range(of: "[-") {
            result += rest[..<open.lowerBound]
            let after = rest[open.upperBound...]
            guard let close = after.range(of: "-]"), after.distance(from: after.startIndex, to: close.lowerBound) <= maxFieldName,
                !after[..<close.lowerBound].contains("[")
            else {
                result += "[-"
                rest = after
                continue
            }
            let value = fields.value(String(after[..<close.lowerBound]))
            switch context {
            case .text: result += value
            case .url: result += percentEncoded(value)
            case .exe: result += quotedArgument(value)
            }
            rest = after[close.upperBound...]
        }
        return result + rest
    }

    /// The field name when `template` is exactly one `[-Field-]`.
    static func soleField(_ template: String) -> String? {
        let trimmed = template.trimmedWhitespace
        guard trimmed.hasPrefix("[-"), trimmed.hasSuffix("-]"), trimmed.count > 4 else { return nil }
        let name = trimmed.dropFirst(2).dropLast(2)
        guard !name.contains("[-"), !name.contains("-]"), name.count <= maxFieldName else { return nil }
        return String(name)
    }

    /// An absolute http(s) address without spaces or control characters.
    static func isWebAddress(_ value: String) -> Bool {
        let lower = value.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return false }
        return !value.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F || $0 == "\"" || $0 == "<" || $0 == ">" }
    }

    /// RFC 3986 percent-encoding keeping only unreserved characters, so a value stays inside its query parameter or
    /// path segment (`&`, `=`, `#`, `/`, `?`, `%` and spaces are all encoded).
    static func percentEncoded(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0x0F)])
            }
        }
        return out
    }

    /// `value` as one argument of a Windows command line (the CommandLineToArgvW rules): wrapped in double quotes,
    /// quotes escaped with a backslash, backslashes before a quote doubled; control characters dropped.
    static func quotedArgument(_ value: String) -> String {
        var out = "\""
        var backslashes = 0
        for scalar in value.unicodeScalars where scalar.value >= 0x20 && scalar.value != 0x7F {
            if scalar == "\\" {
                backslashes += 1
                continue
            }
            if scalar == "\"" {
                out += String(repeating: "\\", count: backslashes * 2 + 1) + "\""
            } else {
                out += String(repeating: "\\", count: backslashes)
                out.unicodeScalars.append(scalar)
            }
            backslashes = 0
        }
        return out + String(repeating: "\\", count: backslashes * 2) + "\""
    }
}

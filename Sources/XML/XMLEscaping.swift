/// XML 1.0 text and attribute escaping, shared by every XML writer of the server (SOAP, CSTA).
public enum XMLEscaping {
    /// Escapes `& < > " '` (usable in both text and attribute values), writes CR as a character reference so it
    /// survives end-of-line normalisation, and replaces characters XML 1.0 forbids (C0 controls other than tab,
    /// LF and CR, U+FFFE, U+FFFF) with U+FFFD, since no escape can represent them.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\r": result += "&#xD;"
            case "\t", "\n": result.unicodeScalars.append(scalar)
            default:
                // Swift strings cannot hold lone surrogates, so these are the only illegal scalars left.
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    result.unicodeScalars.append("\u{FFFD}")
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}

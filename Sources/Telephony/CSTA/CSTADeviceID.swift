/// A device identifier as a PBX sent it, with the number it stands for.
///
/// Switches do not agree on how they write a device (ECMA-269 leaves the format of a DeviceID to the switch). Every
/// identifier the link receives goes through `init(parsing:)`, which understands:
///
/// | sent | number | display number |
/// | --- | --- | --- |
/// | `4002`, ` 4002 `, `+33155171889` | as sent, blanks removed | none |
/// | `N<4002>;noa=nk` (OpenScape, HiPath: a letter, the number in angle brackets, `;key=value` parameters) | `4002` | none |
/// | `N<4002>;displayNumber=4002;noa=nk` | `4002` | `4002` |
/// | `N<7868772298>Line71001;displayNumber=7868772298` (text after the brackets: the trunk line) | `7868772298` | `7868772298` |
/// | `4002;noa=nk` (parameters without brackets) | `4002` | from `displayNumber` |
/// | `tel:+33155171889;phone-context=…`, `sip:4002@pbx.example.org;user=phone` (RFC 3966 / RFC 3261) | `+33155171889`, `4002` | none |
/// | `4002:CM1:192.0.2.10:0` (Avaya: extension, switch name, interface, 0) | `4002` | none |
///
/// Monitored devices are matched, numbers are shown and the reverse dialing plan is applied on `number`; `raw` is what
/// the PBX sent, kept for logs and for the requests that must name a connection exactly as the PBX wrote it.
public struct CSTADeviceID: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The number the identifier stands for, e.g. `4002` or `+33155171889`.
    public var number: String
    /// The number the PBX says to display, when it says one (`displayNumber=`).
    public var displayNumber: String?
    /// The identifier exactly as received.
    public var raw: String
    /// ECMA-323 DeviceID `typeOfNumber` attribute when sent (`dialingNumber`, `deviceNumber`); nil means dialingNumber.
    public var typeOfNumber: String?

    /// Parses `raw` (see the type's table); an identifier no form matches keeps its trimmed text as its number.
    public init(parsing raw: String, typeOfNumber: String? = nil) {
        self.raw = raw
        self.typeOfNumber = typeOfNumber
        (number, displayNumber) = Self.parse(Substring(raw))
    }

    /// An identifier whose text is `value` (tests and the simulator write identifiers this way).
    public init(stringLiteral value: String) {
        self.init(parsing: value)
    }

    /// The number, with the raw form when it differs: `4002 (N<4002>;noa=nk)`.
    public var description: String {
        raw == number ? number : "\(number) (\(raw))"
    }

    /// The number and display number inside `text`.
    private static func parse(_ text: Substring) -> (number: String, display: String?) {
        let trimmed = text.trimmingBlanks()
        // `N<4002>Line71001;displayNumber=4002;noa=nk`: a letter, the number in brackets, trailing text, parameters.
        if trimmed.count >= 3, let open = trimmed.firstIndex(of: "<"), open == trimmed.index(after: trimmed.startIndex),
            trimmed.first?.isLetter == true, let close = trimmed[open...].firstIndex(of: ">")
        {
            let inside = trimmed[trimmed.index(after: open)..<close]
            // What precedes the first `;` is the trailing text (`Line71001`, often empty): the parameters follow it.
            let parameters = trimmed[trimmed.index(after: close)...].split(separator: ";", omittingEmptySubsequences: false).dropFirst()
            return (compact(inside), displayNumber(in: parameters))
        }
        let lowered = trimmed.prefix(4).lowercased()
        if lowered == "tel:" {
            // RFC 3966: tel:+33155171889;phone-context=example.org
            let number = trimmed.dropFirst(4).prefix { $0 != ";" }
            return (compact(number), nil)
        }
        if lowered == "sip:" || trimmed.prefix(5).lowercased() == "sips:" {
            // RFC 3261: sip:4002@pbx.example.org;user=phone — the user part is the number.
            let afterScheme = trimmed[trimmed.index(after: trimmed.firstIndex(of: ":")!)...]
            let user = afterScheme.prefix { $0 != "@" && $0 != ";" }
            return (compact(user), nil)
        }
        let fields = trimmed.split(separator: ";", omittingEmptySubsequences: false)
        var head = fields.first ?? ""
        // Avaya: `4002:CM1:192.0.2.10:0`; only when the first field is a dialable number.
        if let colon = head.firstIndex(of: ":"), isDialable(head[..<colon]) {
            head = head[..<colon]
        }
        return (compact(head), displayNumber(in: fields.dropFirst()))
    }

    /// The value of the `displayNumber` parameter among `key=value` parameters (key compared without regard to case).
    private static func displayNumber(in parameters: some Sequence<Substring>) -> String? {
        for parameter in parameters {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingBlanks().lowercased() == "displaynumber" {
                let value = compact(parts[1])
                return value.isEmpty ? nil : value
            }
        }
        return nil
    }

    /// `text` without blanks (`+33 1 55 17 18 89` → `+33155171889`).
    private static func compact(_ text: Substring) -> String {
        String(text.filter { $0 != " " && $0 != "\t" && $0 != "\n" && $0 != "\r" })
    }

    /// Digits, with an optional leading `+`, and `*` / `#` (feature codes).
    private static func isDialable(_ text: Substring) -> Bool {
        let digits = text.hasPrefix("+") ? text.dropFirst() : text
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "*" || $0 == "#") }
    }
}

extension Substring {
    /// Without leading and trailing blanks.
    fileprivate func trimmingBlanks() -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return self[startIndex..<startIndex]
        }
        return self[first...last]
    }
}

/// An Alerter card template (admin guide 9.2.1): `<alerter vip="true|false">` holding `<text>`, `<image>` and
/// `<button>` elements placed at `x`, `y`, optionally limited to callers found in named directories (`directory="a,b"`)
/// or found in none (`directory="none"`); buttons launch an `exe` or open a `url`. Fields `[-Name-]` in texts and
/// actions are substituted when a card is rendered.
public struct AlerterTemplate: Sendable, Equatable {
    /// One element of the template, as written (fields not substituted).
    public struct Element: Sendable, Equatable {
        public var kind: AlerterCard.Element.Kind
        public var x: Int?
        public var y: Int?
        /// nil: always shown; otherwise the directory names (lowercased) of which one must hold the caller, or
        /// `["none"]`: only when no directory does.
        public var directories: [String]?
        /// The text, the image's address, or the button's label.
        public var content: String
        public var url: String?
        public var exe: String?
    }

    public static let maxBytes = 64 * 1024
    static let maxElements = 200
    static let maxPosition = 10_000

    public var vip: Bool
    public var elements: [Element]

    public init(vip: Bool, elements: [Element]) {
        self.vip = vip
        self.elements = elements
    }

    /// Reads and checks a template's text: anything but the documented elements and attributes is refused with the
    /// line at fault, so a stored template always renders.
    public static func parse(_ text: String, codec: any AlerterTemplateCodec) throws(AlerterTemplateError) -> AlerterTemplate {
        guard text.utf8.count <= maxBytes else {
            throw AlerterTemplateError(line: nil, "the template is \(text.utf8.count) bytes, at most \(maxBytes) are allowed")
        }
        return try check(try codec.read(text))
    }

    /// Checks the tree the reader produced.
    static func check(_ root: AlerterTemplateNode) throws(AlerterTemplateError) -> AlerterTemplate {
        guard root.name == "alerter", !root.namespaced else {
            throw AlerterTemplateError(line: root.line, "the root element must be <alerter>, not <\(root.name)>")
        }
        var vip = false
        for attribute in root.attributes {
            guard attribute.name == "vip" else {
                throw AlerterTemplateError(line: root.line, "unknown attribute \(attribute.name) on <alerter> (only vip is allowed)")
            }
            switch attribute.value.trimmedWhitespace.lowercased() {
            case "true": vip = true
            case "false": vip = false
            default: throw AlerterTemplateError(line: root.line, "vip takes true or false, not \"\(attribute.value)\"")
            }
        }
        guard root.text.trimmedWhitespace.isEmpty else {
            throw AlerterTemplateError(line: root.line, "text directly inside <alerter> is not allowed; put it in a <text> element")
        }
        guard root.children.count <= maxElements else {
            throw AlerterTemplateError(line: root.children[maxElements].line, "a template has at most \(maxElements) elements")
        }
        var elements: [Element] = []
        for node in root.children {
            elements.append(try element(node))
        }
        return AlerterTemplate(vip: vip, elements: elements)
    }

    private static func element(_ node: AlerterTemplateNode) throws(AlerterTemplateError) -> Element {
        guard !node.namespaced, let kind = AlerterCard.Element.Kind(rawValue: node.name) else {
            throw AlerterTemplateError(line: node.line, "unknown element <\(node.name)> (allowed: <text>, <image>, <button>)")
        }
        if let child = node.children.first {
            throw AlerterTemplateError(line: child.line, "<\(node.name)> may not contain elements (found <\(child.name)>)")
        }
        var element = Element(kind: kind, content: node.text.trimmedWhitespace)
        var seen = Set<String>()
        for attribute in node.attributes {
            guard seen.insert(attribute.name).inserted else {
                throw AlerterTemplateError(line: node.line, "attribute \(attribute.name) is given twice")
            }
            switch attribute.name {
            case "x", "y":
                let text = attribute.value.trimmedWhitespace
                guard text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int(text), value <= maxPosition else {
                    throw AlerterTemplateError(
                        line: node.line,
                        "\(attribute.name) must be a whole number of pixels from 0 to \(maxPosition), not \"\(attribute.value)\""
                    )
                }
                if attribute.name == "x" { element.x = value } else { element.y = value }
            case "directory":
                let names = attribute.value.split(separator: ",").map { String($0).trimmedWhitespace.lowercased() }.filter { !$0.isEmpty }
                guard !names.isEmpty else { throw AlerterTemplateError(line: node.line, "directory names at least one directory, or none") }
                guard !names.contains("none") || names.count == 1 else {
                    throw AlerterTemplateError(line: node.line, "directory=\"none\" cannot be combined with directory names")
                }
                element.directories = names
            case "url", "exe":
                guard kind == .button else {
                    throw AlerterTemplateError(line: node.line, "attribute \(attribute.name) is only allowed on <button>")
                }
                guard element.url == nil, element.exe == nil else {
                    throw AlerterTemplateError(line: node.line, "a button has either exe or url, not both")
                }
                let value = attribute.value.trimmedWhitespace
                guard !value.isEmpty else { throw AlerterTemplateError(line: node.line, "\(attribute.name) may not be empty") }
                if attribute.name == "url" { element.url = value } else { element.exe = value }
            default:
                let allowed = kind == .button ? "x, y, directory, exe, url" : "x, y, directory"
                throw AlerterTemplateError(line: node.line, "unknown attribute \(attribute.name) on <\(node.name)> (allowed: \(allowed))")
            }
        }
        if kind != .text && element.content.isEmpty {
            throw AlerterTemplateError(line: node.line, kind == .image ? "<image> needs the image's address" : "<button> needs a label")
        }
        return element
    }

    /// The card the server shows when the user's AlerterXml names no template of the domain: the caller's name,
    /// company and number, or that the caller is unknown.
    public static let builtin = AlerterTemplate(
        vip: true,
        elements: [
            Element(kind: .text, x: 10, y: 10, content: "[-DisplayName-]"),
            Element(kind: .text, x: 10, y: 35, content: "[-CompanyName-]"),
            Element(kind: .text, x: 10, y: 60, content: "[-PhoneNumber-]"),
            Element(kind: .text, x: 10, y: 85, directories: ["none"], content: "Unknown caller"),
        ]
    )
}

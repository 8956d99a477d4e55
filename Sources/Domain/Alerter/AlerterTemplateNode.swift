/// An element of an uploaded Alerter template as the XML reader found it, with its line: what `AlerterTemplate`
/// checks. The reader (hardened libxml2, outside Domain) has already refused DTDs, entities, processing instructions
/// and malformed XML.
public struct AlerterTemplateNode: Sendable, Equatable {
    public struct Attribute: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The element's name, with its prefix when it has one (`x:text`): only plain names are template elements.
    public var name: String
    /// True when the element is in an XML namespace (templates use none).
    public var namespaced: Bool
    public var line: Int
    /// In document order; namespaced attributes carry their prefix.
    public var attributes: [Attribute]
    /// The element's own text (character data directly inside it), untrimmed.
    public var text: String
    public var children: [AlerterTemplateNode]

    public init(name: String, namespaced: Bool = false, line: Int, attributes: [Attribute] = [], text: String = "", children: [AlerterTemplateNode] = []) {
        self.name = name
        self.namespaced = namespaced
        self.line = line
        self.attributes = attributes
        self.text = text
        self.children = children
    }
}

/// Why an Alerter template was refused: the line and what is wrong there (400 `invalid_alerter_template`).
public struct AlerterTemplateError: Error, Sendable, Equatable {
    public var line: Int?
    public var message: String

    public init(line: Int?, _ message: String) {
        self.line = line
        self.message = message
    }

    public var domainError: DomainError {
        var error = DomainError(
            .invalid,
            code: "invalid_alerter_template",
            line.map { "line \($0): \(message)" } ?? message,
            field: "body"
        )
        error.line = line
        return error
    }
}

/// Reads an Alerter template's XML text with the hardened parser, and writes a rendered card as an `<alerter>`
/// document. Implemented over libxml2 outside Domain.
public protocol AlerterTemplateCodec: Sendable {
    /// The root element of `text`, or why the text is not acceptable XML (malformed, DTD, entity, processing
    /// instruction, too deep, too large), with its line when known.
    func read(_ text: String) throws(AlerterTemplateError) -> AlerterTemplateNode
    /// The card's elements as an `<alerter>` document (escaped text and attributes).
    func document(vip: Bool, elements: [AlerterCard.Element]) -> String
}

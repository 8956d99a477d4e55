import CLibXML2

/// A document read by the hardened reader with what people need to be told where a fault is: each element's line,
/// its attributes in document order (with their prefixes), and the processing instructions met.
///
/// For documents people write and upload (Alerter card templates), where `XElement`'s plain tree is not enough.
public struct XMLOutline: Sendable, Equatable {
    public struct Element: Sendable, Equatable {
        /// The element's name with its prefix, if any (`x:text`).
        public var name: String
        public var namespace: String?
        public var line: Int
        /// Name (with prefix, if any) and value, in document order.
        public var attributes: [(name: String, value: String)]
        /// The character data directly inside the element, untrimmed.
        public var text: String
        public var children: [Element]

        public static func == (a: Element, b: Element) -> Bool {
            a.name == b.name && a.namespace == b.namespace && a.line == b.line && a.text == b.text && a.children == b.children
                && a.attributes.map(\.name) == b.attributes.map(\.name) && a.attributes.map(\.value) == b.attributes.map(\.value)
        }
    }

    public var root: Element
    /// Lines of the processing instructions (`<?name …?>`) anywhere in the document (not the XML declaration).
    public var processingInstructionLines: [Int]

    /// Parses `bytes` with the hardened reader (no DTD, no entities, no network, limits).
    public init(xml bytes: some Collection<UInt8>, limits: XMLLimits = XMLLimits()) throws(XMLError) {
        guard bytes.count <= limits.maxBytes else { throw .tooLarge(bytes: bytes.count, limit: limits.maxBytes) }
        let copy = Array(bytes)
        let result = copy.withUnsafeBytes { buffer in
            Result { () throws(XMLError) -> XMLOutline in
                try LibXML.capturingErrors { (errors) throws(XMLError) -> XMLOutline in
                    try LibXML.withDocument(buffer, limits: limits, errors: errors, mapError: { $0 }) { (document) throws(XMLError) -> XMLOutline in
                        guard let root = xmlDocGetRootElement(document) else { throw .malformed("the document has no root element") }
                        var instructions: [Int] = []
                        var node = document.pointee.children
                        while let current = node {
                            if current.pointee.type == XML_PI_NODE { instructions.append(Int(xmlGetLineNo(current))) }
                            node = current.pointee.next
                        }
                        let element = Self.element(root, instructions: &instructions)
                        return XMLOutline(root: element, processingInstructionLines: instructions.sorted())
                    }
                }
            }
        }
        self = try result.get()
    }

    private init(root: Element, processingInstructionLines: [Int]) {
        self.root = root
        self.processingInstructionLines = processingInstructionLines
    }

    /// Depth is bounded by the parse's depth limit.
    private static func element(_ node: xmlNodePtr, instructions: inout [Int]) -> Element {
        var children: [Element] = []
        var text = ""
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE: children.append(element(current, instructions: &instructions))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE: if let content = current.pointee.content { text += String(cString: content) }
            case XML_PI_NODE: instructions.append(Int(xmlGetLineNo(current)))
            default: break
            }
            child = current.pointee.next
        }
        var attributes: [(name: String, value: String)] = []
        var property = node.pointee.properties
        while let current = property {
            if let name = current.pointee.name {
                let prefix = current.pointee.ns?.pointee.prefix.map { String(cString: $0) }
                let local = String(cString: name)
                var value = ""
                var part = current.pointee.children
                while let piece = part {
                    if let content = piece.pointee.content { value += String(cString: content) }
                    part = piece.pointee.next
                }
                attributes.append((prefix.map { "\($0):\(local)" } ?? local, value))
            }
            property = current.pointee.next
        }
        let prefix = node.pointee.ns?.pointee.prefix.map { String(cString: $0) }
        let local = LibXML.localName(node)
        return Element(
            name: prefix.map { "\($0):\(local)" } ?? local,
            namespace: LibXML.namespace(node),
            line: Int(xmlGetLineNo(node)),
            attributes: attributes,
            text: text,
            children: children
        )
    }
}

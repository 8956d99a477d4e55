import XML

/// Serialises element trees the way real switches format their XML (the `real` style of `PBXCodec`).
///
/// The declaration is on a line of its own, then one element per line indented by two spaces; every element carries a
/// prefix (`csta:`, `acs:` for ECMA-354, `osc:` for the vendor's private namespace); the root declares its namespace,
/// `xmlns:xsi` and an `xsi:schemaLocation`. An element whose `namespace` differs from its parent's declares its own
/// prefix (vendor private data). A leaf's text stays on its element's line, so a parser that trims leaf text (as
/// `XElement` does) reads back exactly what was written; attributes are written in name order.
enum SimulatorXMLWriter {
    /// XML Schema instance, for `xsi:schemaLocation`.
    static let schemaInstanceNamespace = "http://www.w3.org/2001/XMLSchema-instance"

    /// `root` as a complete UTF-8 document in `namespace`.
    static func document(_ root: XElement, namespace: String) -> [UInt8] {
        var xml = CSTAXMLWriter.declaration + "\n"
        let rootAttributes = [
            ("xmlns:xsi", schemaInstanceNamespace), ("xsi:schemaLocation", "\(namespace) \(schemaFile(for: namespace))"),
        ]
        write(root, inherited: namespace, prefixes: [:], extraAttributes: rootAttributes, depth: 0, into: &xml)
        return Array(xml.utf8)
    }

    /// Appends `element` and its subtree; `prefixes` are the namespace declarations in scope (namespace → prefix).
    private static func write(
        _ element: XElement,
        inherited: String,
        prefixes: [String: String],
        extraAttributes: [(String, String)],
        depth: Int,
        into xml: inout String
    ) {
        let namespace = element.namespace ?? inherited
        var prefixes = prefixes
        var attributes: [(String, String)] = []
        if prefixes[namespace] == nil {
            let prefix = prefix(for: namespace)
            // A prefix declared again for another namespace hides the outer declaration.
            prefixes = prefixes.filter { $0.value != prefix }
            prefixes[namespace] = prefix
            attributes.append(("xmlns:\(prefix)", namespace))
        }
        attributes += extraAttributes + element.attributes.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let name = "\(prefixes[namespace] ?? "ns"):\(element.name)"
        let indent = String(repeating: "  ", count: depth)
        let start = "\(indent)<\(name)" + attributes.map { " \($0.0)=\"\(XMLEscaping.escape($0.1))\"" }.joined()
        guard !element.children.isEmpty else {
            xml += element.text.isEmpty ? "\(start)/>\n" : "\(start)>\(XMLEscaping.escape(element.text))</\(name)>\n"
            return
        }
        xml += "\(start)>\n"
        for child in element.children {
            write(child, inherited: namespace, prefixes: prefixes, extraAttributes: [], depth: depth + 1, into: &xml)
        }
        xml += "\(indent)</\(name)>\n"
    }

    /// The prefix a switch uses for `namespace`.
    private static func prefix(for namespace: String) -> String {
        if CSTAEdition(namespace: namespace) != nil {
            return "csta"
        }
        switch namespace {
        case CSTARequest.applicationSessionNamespace: return "acs"
        case PBXCodec.vendorNamespace: return "osc"
        default: return "ns"
        }
    }

    /// The schema file named in `xsi:schemaLocation` next to `namespace`.
    private static func schemaFile(for namespace: String) -> String {
        if let edition = CSTAEdition(namespace: namespace) {
            return "csta-\(edition).xsd"
        }
        return namespace == CSTARequest.applicationSessionNamespace ? "appl_session.xsd" : "private.xsd"
    }
}
